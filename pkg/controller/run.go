package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/reconcile"
)

// Run steps every zone at its probe interval (each zone in its own loop), syncs every
// SyncInterval (when Options.Sync is set), and serves /metrics and /healthz, until ctx ends;
// then it stops the HTTP server, waits for webhooks in flight and returns nil. A listen error
// is returned at once. A delegation change holds its zone's loop (and the lease) until the
// parent publishes the new set or failover.propagation_timeout passes.
func (c *Controller) Run(ctx context.Context) error {
	srv, err := c.serve()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	if c.opts.Sync != nil {
		wg.Add(1)
		go func() { defer wg.Done(); c.syncLoop(ctx) }()
	}
	var zwg sync.WaitGroup
	for _, z := range c.zones {
		zwg.Add(1)
		go func() { defer zwg.Done(); z.loop(ctx) }()
	}
	zwg.Wait()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	wg.Wait()
	for _, z := range c.zones {
		z.runner.Flush()
	}
	c.log.Info("controller stopped")
	return nil
}

// loop steps the zone every probe interval until ctx ends. Zones run side by side: a
// delegation change of one (which may wait minutes for the parent) never delays the others.
func (z *Zone) loop(ctx context.Context) {
	every := z.Config.Probe.Interval
	for ctx.Err() == nil {
		start := time.Now()
		if z == z.c.zones[0] {
			z.c.checkConfig()
		}
		z.Step(ctx, start)
		t := time.NewTimer(max(every-time.Since(start), 0))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func (c *Controller) syncLoop(ctx context.Context) {
	every := durOr(c.opts.SyncInterval, DefaultSyncInterval)
	for {
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c.SyncNow(ctx)
	}
}

// SyncNow runs Options.Sync once per zone, each under the lease, and records the outcome in
// the shared history and the metrics. A zone whose providers serve a newer version than the
// controller's file (or one with the same SOA serial and other content) is skipped: the
// controller never pushes an older file over a deploy it has not seen.
func (c *Controller) SyncNow(ctx context.Context) {
	if c.opts.Sync == nil {
		return
	}
	for _, z := range c.zones {
		z.syncNow(ctx)
	}
}

func (z *Zone) syncNow(ctx context.Context) {
	c := z.c
	z.refreshDesired()
	d := z.desired.current()
	if d.zone == nil || !c.mayAct() { // fleet mode: the leader alone syncs
		return
	}
	lctx, cancel := context.WithTimeout(ctx, durOr(c.opts.LockTimeout, DefaultLockTimeout))
	lease, err := c.hist.Acquire(lctx, z.Name)
	cancel()
	if err != nil {
		c.log.Warn("periodic sync skipped: state lock busy", "zone", z.Name, "err", err)
		return
	}
	defer func() { _ = lease.Unlock() }()
	// Judged under the lease, from fresh history: a sync from CI just before counts.
	h, err := c.hist.ZoneHistory(ctx, z.Name)
	if err != nil {
		c.log.Warn("periodic sync skipped: shared history unreadable", "zone", z.Name, "err", err)
		return
	}
	z.mu.Lock()
	served := z.stamps.served
	z.mu.Unlock()
	if v := judgeStamps(d.stamp, served, h); v.behind || v.conflict {
		c.log.Warn("periodic sync skipped: the controller's zone file is not the newest version", "zone", z.Name, "verdict", v.message())
		return
	}
	now := float64(time.Now().Unix())
	o := *c.opts.Sync
	o.Logger, o.History, o.Lease, o.DryRun = c.log, c.hist, lease, false
	res := reconcile.RunOnce(ctx, reconcile.Zone{Config: z.Config, Desired: d.zone}, o)
	for _, r := range res.Results {
		c.metrics.Synced(z.Name, r.Target, now, r.Err)
	}
	for _, err := range res.Errs {
		c.log.Warn("periodic sync failed", "zone", z.Name, "err", err)
	}
	for _, n := range res.Notes {
		c.log.Warn("periodic sync", "zone", z.Name, "note", n)
	}
}

// serve starts the HTTP server of /metrics and /healthz (nil when disabled).
func (c *Controller) serve() (*http.Server, error) {
	addr := c.opts.Listen
	if addr == "" {
		addr = c.opts.Config.Controller.Listen
	}
	if addr == "" {
		addr = config.DefaultListen
	}
	if addr == "-" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for /metrics on %s: %w (set controller.listen to a free address)", addr, err)
	}
	c.health.setAddr(ln.Addr().String())
	mux := http.NewServeMux()
	mux.Handle("/metrics", c.metrics.Handler())
	mux.HandleFunc("/healthz", c.healthz)
	srv := serveHTTP(ln, mux, serverLimits, func(err error) { c.log.Error("metrics server stopped", "err", err) })
	c.log.Info("serving /metrics and /healthz", "addr", ln.Addr().String())
	return srv, nil
}

// Addr returns the address Run's HTTP server listens on ("" before Run or when disabled).
func (c *Controller) Addr() string { return c.health.getAddr() }

type healthState struct {
	mu   sync.Mutex
	addr string
}

func (h *healthState) setAddr(a string) {
	h.mu.Lock()
	h.addr = a
	h.mu.Unlock()
}
func (h *healthState) getAddr() string { h.mu.Lock(); defer h.mu.Unlock(); return h.addr }

// healthz answers 200 while every zone's probe loop runs (a round finished within three probe
// intervals plus 10 s, or a step in progress, e.g. a delegation change waiting for the parent),
// 503 otherwise, with a JSON body of each zone's last verdicts and delegated providers.
func (c *Controller) healthz(w http.ResponseWriter, _ *http.Request) {
	ok := true
	zones := map[string]any{}
	for _, z := range c.zones {
		snap := z.snapshot()
		fresh := snap.Busy || (!snap.LastRound.IsZero() && time.Since(snap.LastRound) < 3*z.Config.Probe.Interval+10*time.Second)
		ok = ok && fresh
		zones[z.Name] = snap
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	body := map[string]any{"ok": ok, "zones": zones}
	if f := c.fleetHealthz(); f != nil {
		body["fleet"] = f
	}
	_ = json.NewEncoder(w).Encode(body)
}

// webhook POSTs ev as JSON to controller.webhook. The URL may hold a token: errors never
// include it.
func (c *Controller) webhook(ctx context.Context, ev failover.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("webhook: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.Config.Controller.Webhook.Reveal(), bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: bad URL in controller.webhook")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "twinzone")
	resp, err := c.webhookClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook: HTTP %d", resp.StatusCode)
	}
	return nil
}
