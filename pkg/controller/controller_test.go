package controller

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/state"
)

func TestPrimaryDownSwitchesToSecondary(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	ctx := context.Background()
	l.ctrl.RunOnce(ctx, at(0)) // everything answers: both Up
	if n := len(l.reg.Calls()); n != 0 {
		t.Fatalf("registrar called %d times while healthy", n)
	}
	l.pri[0].Stop() // the port answers ICMP unreachable: no waiting for timeouts
	l.pri[1].Stop()
	l.ctrl.RunOnce(ctx, at(1)) // first failing round
	if n := len(l.reg.Calls()); n != 0 {
		t.Fatalf("registrar called after 1 failing round (fail_after 2)")
	}
	l.ctrl.RunOnce(ctx, at(2)) // second failing round: down, failover
	calls := l.reg.Calls()
	if len(calls) != 1 {
		t.Fatalf("registrar called %d times after fail_after rounds, want 1", len(calls))
	}
	if got := strings.Join(calls[0].Names(), " "); got != "ns1.sec.test." {
		t.Fatalf("registrar got %q, want the secondary's set", got)
	}
	if len(calls[0][0].Addrs) != 1 || calls[0][0].Addrs[0] != l.sec.Addr {
		t.Fatalf("the set sent carries no glue address: %+v", calls[0])
	}
	if !l.reg.held[0] {
		t.Fatalf("the state lock was not held during the registrar call")
	}
	if lk, err := l.st.TryLock(); err != nil {
		t.Fatalf("the state lock is still held after the change: %v", err)
	} else {
		_ = lk.Unlock()
	}
	z, _ := l.ctrl.Zone(testZone)
	if cur := z.Engine().Current(); !slices.Equal(cur, []string{"sec"}) {
		t.Fatalf("engine current = %v", cur)
	}
	h, err := l.st.ZoneHistory(ctx, testZone)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := h.Last()
	if len(h.Changes) != 1 || !last.Auto || last.Kind != state.ChangeFailover || !last.Applied || !last.Confirmed ||
		!slices.Equal(last.Nameservers, []string{"ns1.sec.test."}) {
		t.Fatalf("history after failover: %+v", h.Changes)
	}
	if h.Observed.Verdicts["pri"].Status != "down" || h.Observed.Verdicts["sec"].Status != "up" {
		t.Fatalf("verdicts in state: %+v", h.Observed.Verdicts)
	}
	// More rounds: nothing more (already failed over).
	l.ctrl.RunOnce(ctx, at(3))
	if n := len(l.reg.Calls()); n != 1 {
		t.Fatalf("registrar called %d times, want 1", n)
	}
	checkJournal(t, l.st, "verdict", "failover")

	// A new controller (restart) reads the delegation from the parent.
	c2 := l.controller(t, &logBuf{})
	z2, _ := c2.Zone(testZone)
	if cur := z2.Engine().Current(); !slices.Equal(cur, []string{"sec"}) {
		t.Fatalf("after restart, engine current = %v, want [sec]", cur)
	}
	// The primary comes back; failback is manual: a human runs it.
	restart(t, l.pri[0], l.pri[1])
	out, err := z2.Failback(ctx, ManualOptions{})
	if err != nil {
		t.Fatalf("failback: %v (%+v)", err, out.Preflight)
	}
	calls = l.reg.Calls()
	if len(calls) != 2 || strings.Join(calls[1].Names(), " ") != "ns1.pri.test. ns2.pri.test." {
		t.Fatalf("failback calls: %v", calls)
	}
	h, _ = l.st.ZoneHistory(ctx, testZone)
	if last, _ := h.Last(); last.Auto || last.Kind != state.ChangeFailback || !last.Applied {
		t.Fatalf("history after failback: %+v", h.Changes)
	}
	checkJournal(t, l.st, "verdict", "failover", "failback")
}

func TestCutOffDoesNothing(t *testing.T) {
	l := newLab(t, config.ModeActiveActive, "")
	ctx := context.Background()
	l.ctrl.RunOnce(ctx, at(0))
	for _, s := range []*probetest.Server{l.pri[0], l.pri[1], l.sec} {
		s.Stop()
	}
	for i := 1; i <= 5; i++ {
		l.ctrl.RunOnce(ctx, at(i))
	}
	if n := len(l.reg.Calls()); n != 0 {
		t.Fatalf("registrar called %d times while the controller was cut off", n)
	}
	z, _ := l.ctrl.Zone(testZone)
	if !z.Tracker().CutOff() {
		t.Fatalf("tracker does not report cut off")
	}
	body := scrape(t, l.ctrl)
	if !strings.Contains(body, `twinzone_cut_off{zone="example.test."} 1`) {
		t.Fatalf("metrics do not show cut off:\n%s", grepLines(body, "twinzone_cut_off"))
	}
}

func TestActiveActiveRemovesDeadSecondaryAndCallsWebhook(t *testing.T) {
	var mu sync.Mutex
	var hooks []map[string]any
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		hooks = append(hooks, ev)
		mu.Unlock()
	}))
	defer hs.Close()
	l := newLab(t, config.ModeActiveActive, hs.URL+"/hook?token=s3cret")
	ctx := context.Background()
	l.ctrl.RunOnce(ctx, at(0))
	l.sec.SetStamp("") // answers, but out of sync: not "down" by itself...
	l.sec.SetMode(probetest.Refused)
	l.ctrl.RunOnce(ctx, at(1))
	l.ctrl.RunOnce(ctx, at(2))
	calls := l.reg.Calls()
	if len(calls) != 1 || strings.Join(calls[0].Names(), " ") != "ns1.pri.test. ns2.pri.test." {
		t.Fatalf("registrar calls = %v, want the primary's set alone", calls)
	}
	z, _ := l.ctrl.Zone(testZone)
	z.runner.Flush()
	mu.Lock()
	defer mu.Unlock()
	var kinds []string
	for _, h := range hooks {
		kinds = append(kinds, h["kind"].(string))
	}
	if !slices.Contains(kinds, "failover") || !slices.Contains(kinds, "verdict") {
		t.Fatalf("webhook kinds = %v", kinds)
	}
	body := scrape(t, l.ctrl)
	for _, want := range []string{
		`twinzone_failovers_total{kind="failover",zone="example.test."} 1`,
		`twinzone_delegated{provider="sec",zone="example.test."} 0`,
		`twinzone_delegated{provider="pri",zone="example.test."} 1`,
		`twinzone_provider_up{provider="sec",zone="example.test."} 0`,
		`twinzone_probe_results_total{provider="sec",reason="refused",zone="example.test."} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestWebhookErrorHidesURL(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "http://127.0.0.1:1/hook?token=s3cret")
	err := l.ctrl.webhook(context.Background(), failoverEvent())
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("webhook error = %v", err)
	}
}

func TestRunServesMetricsAndStops(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	l.ctrl.opts.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.ctrl.Run(ctx) }()
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		addr = l.ctrl.Addr()
	}
	if addr == "" {
		t.Fatal("Run did not start its HTTP server")
	}
	var resp *http.Response
	var err error
	for i := 0; i < 200; i++ {
		resp, err = http.Get("http://" + addr + "/healthz")
		if err == nil && resp.StatusCode == 200 {
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", err, resp)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"ok":true`) {
		t.Fatalf("/healthz body: %s", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}

func TestRestartKeepsCooldown(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	ctx := context.Background()
	l.ctrl.RunOnce(ctx, at(0))
	l.pri[0].Stop() // the port answers ICMP unreachable: no waiting for timeouts
	l.pri[1].Stop()
	l.ctrl.RunOnce(ctx, at(1))
	l.ctrl.RunOnce(ctx, at(2))
	if n := len(l.reg.Calls()); n != 1 {
		t.Fatalf("registrar called %d times, want 1 failover", n)
	}
	// Restart with automatic failback; the primary is healthy again. The cooldown (1 h) since
	// the failover recorded in the state file holds the failback back.
	zc := *l.cfg.Zones[0]
	zc.Failover.Failback = config.FailbackAuto
	zc.Probe.RecoverAfter = 1
	restart(t, l.pri[0], l.pri[1])
	l.zc = &zc
	c2 := l.controller(t, &logBuf{})
	for i := 3; i < 6; i++ {
		c2.RunOnce(ctx, at(i))
	}
	if n := len(l.reg.Calls()); n != 1 {
		t.Fatalf("registrar called %d times within the cooldown after a restart, want 1", n)
	}
	// Past the cooldown, the automatic failback happens.
	c2.RunOnce(ctx, at(2).Add(time.Hour+time.Second))
	calls := l.reg.Calls()
	if len(calls) != 2 || strings.Join(calls[1].Names(), " ") != "ns1.pri.test. ns2.pri.test." {
		t.Fatalf("after the cooldown: calls = %v", calls)
	}
}
