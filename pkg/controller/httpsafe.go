package controller

import (
	"errors"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"

	"github.com/twinzone/twinzone/pkg/httpsafe"
)

// httpLimits bound what clients of /metrics and /healthz can hold: without them a scraper (or
// anyone who can reach the port) keeps any number of idle connections open forever.
type httpLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxConns                      int // connections served at once; more wait in the backlog
}

// serverLimits are the limits of Run's HTTP server: generous for Prometheus (one scrape of a
// few KB every 15 s or so), tight for a slow or idle client.
var serverLimits = httpLimits{ReadHeader: 5 * time.Second, Read: 10 * time.Second, Write: 30 * time.Second,
	Idle: 60 * time.Second, MaxConns: 64}

// serveHTTP serves h on ln within l, in the background; Shutdown or Close the result to stop.
func serveHTTP(ln net.Listener, h http.Handler, l httpLimits, onErr func(error)) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read,
		WriteTimeout: l.Write, IdleTimeout: l.Idle, MaxHeaderBytes: 16 << 10}
	go func() {
		if err := srv.Serve(netutil.LimitListener(ln, l.MaxConns)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			onErr(err)
		}
	}()
	return srv
}

// webhookClient is c's HTTP client for webhooks (Options.HTTPClient or a 10 s default), never
// following a redirect to another host.
func (c *Controller) webhookClient() *http.Client {
	cl := &http.Client{Timeout: 10 * time.Second}
	if c.opts.HTTPClient != nil {
		copied := *c.opts.HTTPClient
		cl = &copied
	}
	// A webhook body says nothing secret and may follow a same-host redirect; the URL may
	// hold a token, so never another host.
	cl.CheckRedirect = httpsafe.CheckRedirect(true)
	return cl
}
