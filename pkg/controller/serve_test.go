package controller

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
)

// TestMetricsFromTheStart: before any probe round, /metrics already exports the zone's cut-off
// gauge at 0 (an alert on it must see a value) and the controller's own Go and process metrics.
func TestMetricsFromTheStart(t *testing.T) {
	l := newLab(t, config.ModeActiveActive, "")
	body := scrape(t, l.ctrl)
	for _, want := range []string{
		`twinzone_cut_off{zone="example.test."} 0`,
		`twinzone_sync_errors_total{provider="sec",zone="example.test."} 0`,
		"go_goroutines ", "process_open_fds ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics before the first round lacks %q:\n%s", want, grepLines(body, "twinzone_"))
		}
	}
}

// countingListener counts the connections accepted and not yet closed, and the peak.
type countingListener struct {
	net.Listener
	mu         sync.Mutex
	open, peak int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.peak = max(l.peak, l.open)
	l.mu.Unlock()
	return &countedConn{Conn: c, l: l}, nil
}

func (l *countingListener) stats() (open, peak int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.peak
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.mu.Lock(); c.l.open--; c.l.mu.Unlock() })
	return c.Conn.Close()
}

// TestHTTPServerLimits: 40 clients that each make one keep-alive request and then sit idle are
// never served more than MaxConns at a time, are closed by the server after the idle timeout,
// and so all get their answer; without the limits all 40 would stay open for ever.
func TestHTTPServerLimits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	limits := httpLimits{ReadHeader: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Idle: 300 * time.Millisecond, MaxConns: 8}
	srv := serveHTTP(cl, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }), limits, func(err error) { t.Error(err) })
	defer srv.Close()

	const clients = 40
	type outcome struct {
		answered, closedByServer bool
		err                      error
	}
	results := make(chan outcome, clients)
	for range clients {
		go func() {
			var o outcome
			defer func() { results <- o }()
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
			if err != nil {
				o.err = err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(60 * time.Second))
			if _, err := c.Write([]byte("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
				o.err = err
				return
			}
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				o.err = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			o.answered = resp.StatusCode == 200
			// Keep-alive: say nothing more; the server must close the idle connection.
			_, err = br.ReadByte()
			o.closedByServer = errors.Is(err, io.EOF)
			if !o.closedByServer {
				o.err = fmt.Errorf("idle connection not closed by the server: %v", err)
			}
		}()
	}
	for range clients {
		o := <-results
		if o.err != nil || !o.answered || !o.closedByServer {
			t.Fatalf("a client: %+v", o)
		}
	}
	if _, peak := cl.stats(); peak > limits.MaxConns {
		t.Fatalf("%d connections served at once, cap %d", peak, limits.MaxConns)
	}
}

// TestServeSetsLimits: Run's server has every timeout and the cap.
func TestServeSetsLimits(t *testing.T) {
	l := newLab(t, config.ModeActiveActive, "")
	l.ctrl.opts.Listen = "127.0.0.1:0"
	srv, err := l.ctrl.serve()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || serverLimits.MaxConns <= 0 {
		t.Fatalf("server without limits: %+v, cap %d", srv, serverLimits.MaxConns)
	}
	resp, err := http.Get("http://" + l.ctrl.Addr() + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestWebhookFollowsNoRedirectToAnotherHost: a webhook that redirects elsewhere is not
// followed (the body and any token in the URL stay with the host the user named); a redirect
// on the same host is.
func TestWebhookFollowsNoRedirectToAnotherHost(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	var final atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		case "/final":
			final.Add(1)
		}
	}))
	defer hook.Close()

	l := newLab(t, config.ModeActiveActive, hook.URL+"/away?token=s3cret")
	err := l.ctrl.webhook(context.Background(), failoverEvent())
	if err == nil || !strings.Contains(err.Error(), "another host") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("webhook redirected to another host: err %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the other host got %d requests", n)
	}
	l = newLab(t, config.ModeActiveActive, hook.URL+"/moved")
	if err := l.ctrl.webhook(context.Background(), failoverEvent()); err != nil || final.Load() != 1 {
		t.Fatalf("same-host redirect: err %v, final %d", err, final.Load())
	}
}
