package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/state"
)

// killPrimary stops both primary servers (the port answers ICMP unreachable: no timeouts).
func (l *lab) killPrimary() { l.pri[0].Stop(); l.pri[1].Stop() }

func (l *lab) revivePrimary(t *testing.T) { t.Helper(); restart(t, l.pri[0], l.pri[1]) }

func (l *lab) calls() []string {
	var out []string
	for _, c := range l.reg.Calls() {
		out = append(out, strings.Join(c.Names(), " "))
	}
	return out
}

func (l *lab) zone(t *testing.T, c *Controller) *Zone {
	t.Helper()
	z, ok := c.Zone(testZone)
	if !ok {
		t.Fatal("no zone")
	}
	return z
}

// TestManualFailbackThenPrimaryDiesAgain is the missed failover of issue 10: `run` fails
// over; a human restores the primary with `twinzone failback` from another process; the
// primary dies again: the running controller must fail over again, within fail_after rounds,
// with the default cooldown (1 h: a manual change re-arms the automatic guards).
func TestManualFailbackThenPrimaryDiesAgain(t *testing.T) {
	for _, mode := range []config.Mode{config.ModeSwitch, config.ModeActiveActive} {
		t.Run(string(mode), func(t *testing.T) {
			l := newLab(t, mode, "")
			ctx := context.Background()
			l.round(t, 0)
			l.killPrimary()
			l.round(t, 1)
			l.round(t, 2)
			if got := l.calls(); len(got) != 1 || got[0] != "ns1.sec.test." {
				t.Fatalf("first failover: registrar calls %v", got)
			}
			l.revivePrimary(t)
			l.round(t, 3)
			l.round(t, 4) // the primary is up again (recover_after 2); failback is manual
			// A human, in another process (a controller of its own on the same state dir).
			other := l.zone(t, l.controller(t, &logBuf{}))
			if out, err := other.Failback(ctx, ManualOptions{}); err != nil || !out.Applied {
				t.Fatalf("manual failback: %v (%+v)", err, out.Preflight)
			}
			l.round(t, 5)
			z := l.zone(t, l.ctrl)
			if !slices.Equal(z.Engine().Current(), z.Engine().Normal()) {
				t.Fatalf("after the manual failback the controller believes %v is delegated", z.Engine().Current())
			}
			if len(l.log.lines(`msg="delegation changed" zone=example.test. by=other_process`)) != 1 {
				t.Fatalf("the manual failback was not reported once:\n%s", l.log)
			}
			l.killPrimary()
			l.round(t, 6)
			l.round(t, 7) // fail_after 2: down, and moved again (the cooldown was re-armed)
			if got := l.calls(); len(got) != 3 || got[2] != "ns1.sec.test." {
				t.Fatalf("the controller missed the second failover: registrar calls %v\n%s", got, l.log)
			}
			body := scrape(t, l.ctrl)
			if !strings.Contains(body, `twinzone_delegated{provider="pri",zone="example.test."} 0`) {
				t.Errorf("twinzone_delegated still shows the dead primary:\n%s", grepLines(body, "twinzone_delegated"))
			}
		})
	}
}

// TestDelegationChangedByHand: an nsupdate at the parent behind twinzone's back is reported
// within one round and decided from.
func TestDelegationChangedByHand(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	l.round(t, 0)
	publish(l.parent, secNames...)
	l.round(t, 1)
	want := `level=WARN msg="delegation changed" zone=example.test. by=outside from=[pri] to=[sec] source=parent nameservers=[ns1.sec.test.]`
	if got := l.log.lines(`msg="delegation changed"`); len(got) != 1 || got[0] != want {
		t.Fatalf("log:\n%s\nwant the line\n%s", strings.Join(got, "\n"), want)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_delegation_changes_total{by="outside",zone="example.test."} 1`) ||
		!strings.Contains(body, `twinzone_delegated{provider="sec",zone="example.test."} 1`) {
		t.Fatalf("metrics:\n%s", grepLines(body, "twinzone_delegat"))
	}
	evs, _ := l.st.Events(testZone, 0)
	if !slices.ContainsFunc(evs, func(e state.Event) bool {
		return e.Kind == "delegation" && strings.Contains(e.Message, "outside twinzone")
	}) {
		t.Fatalf("no delegation event in the journal: %+v", evs)
	}
	// Decided from: the primary is healthy and not delegated; failback is manual, so the
	// controller asks for it (and never calls the registrar by itself).
	l.round(t, 2)
	if len(l.calls()) != 0 || len(l.log.lines("reason=manual_failback")) != 1 {
		t.Fatalf("calls %v; log:\n%s", l.calls(), l.log)
	}
}

// TestDailyCapCountsAutomaticOnly: max_per_day 1; two manual failovers (and failbacks) in the
// morning do not use it up: the automatic failover still happens. Then the cap holds against
// automatic flapping.
func TestDailyCapCountsAutomaticOnly(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "", func(z *config.Zone) {
		z.Failover.MaxPerDay, z.Failover.Cooldown, z.Failover.Failback, z.Probe.RecoverAfter = 1, 0, config.FailbackAuto, 1
	})
	ctx := context.Background()
	l.round(t, 0)
	human := l.zone(t, l.controller(t, &logBuf{}))
	for i := range 2 {
		if _, err := human.Failover(ctx, "pri", ManualOptions{}); err != nil {
			t.Fatalf("manual failover %d: %v", i, err)
		}
		l.round(t, 1+2*i) // failback auto, cooldown 0: the controller puts the primary back
		if got := l.calls(); len(got) != 2*(i+1) {
			t.Fatalf("after manual failover %d: registrar calls %v\n%s", i, got, l.log)
		}
		l.round(t, 2+2*i)
	}
	l.killPrimary()
	l.round(t, 5)
	l.round(t, 6)
	if got := l.calls(); len(got) != 5 || got[4] != "ns1.sec.test." {
		t.Fatalf("automatic failover after two manual ones: calls %v\n%s", got, l.log)
	}
	// Flap: back (automatic failback), down again: the cap (1 automatic failover today) holds.
	l.revivePrimary(t)
	l.round(t, 7)
	l.killPrimary()
	l.round(t, 8)
	l.round(t, 9)
	l.round(t, 10)
	if got := l.calls(); len(got) != 6 {
		t.Fatalf("flapping: calls %v, want the failback and no second automatic failover\n%s", got, l.log)
	}
	want := `level=WARN msg="failover held back" zone=example.test. reason=daily_cap wanted=failover providers=[sec] detail="daily cap: 1 automatic failovers today (UTC)"`
	if got := l.log.lines("reason=daily_cap"); len(got) != 1 || got[0] != want {
		t.Fatalf("hold-back lines:\n%s\nwant once:\n%s", strings.Join(got, "\n"), want)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_failover_blocked{reason="daily_cap",zone="example.test."} 1`) {
		t.Fatalf("metric:\n%s", grepLines(body, "twinzone_failover_blocked"))
	}
}

// TestHoldBackReasons: every guard that holds a change back is a WARN line with its reason,
// logged once per change of reason, and the metric twinzone_failover_blocked.
func TestHoldBackReasons(t *testing.T) {
	type tc struct {
		name   string
		edit   func(*config.Zone)
		run    func(t *testing.T, l *lab)
		reason failover.Hold
		detail string
	}
	failPrimary := func(t *testing.T, l *lab) {
		l.round(t, 0)
		l.killPrimary()
		l.round(t, 1)
		l.round(t, 2)
		l.round(t, 3)
	}
	cases := []tc{
		{name: "auto off", edit: func(z *config.Zone) { z.Failover.Auto = false }, run: failPrimary,
			reason: failover.HoldAutoOff, detail: `detail="automatic failover disabled"`},
		{name: "cut off", edit: func(z *config.Zone) { z.Failover.Auto = false }, run: func(t *testing.T, l *lab) {
			failPrimary(t, l)
			l.sec.Stop()
			l.round(t, 4)
			l.round(t, 5)
		}, reason: failover.HoldCutOff, detail: `detail="controller cut off: reporting only"`},
		{name: "manual failback", run: func(t *testing.T, l *lab) {
			failPrimary(t, l)
			l.revivePrimary(t)
			l.round(t, 4)
			l.round(t, 5)
			l.round(t, 6)
		}, reason: failover.HoldManualFailback, detail: "detail=\"failback is manual: run `twinzone failback`\""},
		{name: "cooldown", edit: func(z *config.Zone) { z.Failover.Failback = config.FailbackAuto }, run: func(t *testing.T, l *lab) {
			failPrimary(t, l)
			l.revivePrimary(t)
			l.round(t, 4)
			l.round(t, 5)
			l.round(t, 6)
		}, reason: failover.HoldCooldown, detail: `detail="cooldown: last change at 2026-11-22T12:00:20Z, next allowed at 2026-11-22T13:00:20Z"`},
		{name: "preflight", run: func(t *testing.T, l *lab) {
			l.sec.SetStampText("v=tz2 g=2026120101 h=" + strings.Repeat("e", 64)) // an older version: out of sync
			failPrimary(t, l)
		}, reason: failover.HoldPreflight, detail: "preflight refused: sec: ns1.sec.test."},
		{name: "registrar", run: func(t *testing.T, l *lab) {
			l.reg.fail = errors.New("registrar API down")
			failPrimary(t, l)
		}, reason: failover.HoldRegistrar, detail: "registrar API down"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var edits []func(*config.Zone)
			if c.edit != nil {
				edits = append(edits, c.edit)
			}
			l := newLab(t, config.ModeSwitch, "", edits...)
			c.run(t, l)
			prefix := fmt.Sprintf(`level=WARN msg="failover held back" zone=example.test. reason=%s wanted=`, c.reason)
			got := l.log.lines(prefix)
			if len(got) != 1 || !strings.Contains(got[0], c.detail) {
				t.Fatalf("want one line %q ... %q, got:\n%s\nlog:\n%s", prefix, c.detail, strings.Join(got, "\n"), l.log)
			}
			body := scrape(t, l.ctrl)
			for _, h := range failover.Holds {
				want := fmt.Sprintf(`twinzone_failover_blocked{reason="%s",zone="example.test."} %d`, h, map[bool]int{true: 1}[h == c.reason])
				if !strings.Contains(body, want) {
					t.Errorf("metric: want %s\n%s", want, grepLines(body, "twinzone_failover_blocked"))
				}
			}
		})
	}
}

// TestCrashAfterRegistrarAccepted: a `run` killed after the registrar accepted its failover
// (intent recorded, outcome not): the next controller finds the change made, counts it toward
// the daily cap and the cooldown, and makes no second change.
func TestCrashAfterRegistrarAccepted(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "", func(z *config.Zone) {
		z.Failover.Failback, z.Failover.MaxPerDay, z.Probe.RecoverAfter = config.FailbackAuto, 1, 1
	})
	ctx := context.Background()
	// What the dead process did: the lease, the intent, the registrar call; then SIGKILL
	// (the OS drops the lock).
	lease, err := l.st.Acquire(ctx, testZone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.st.BeginChange(ctx, lease, state.Change{Zone: testZone, Kind: state.ChangeFailover, Auto: true,
		Providers: []string{"sec"}, Nameservers: secNames, Started: at(0), Deadline: at(0).Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	publish(l.parent, secNames...)
	lease.Unlock()

	l.mu.Lock()
	l.clock = at(1)
	l.mu.Unlock()
	log := &logBuf{}
	c := l.controller(t, log)
	h, _ := l.st.ZoneHistory(ctx, testZone)
	last, _ := h.Last()
	if !last.Applied || last.Abandoned() || h.AutoFailoversOn(at(1), nil) != 1 {
		t.Fatalf("the interrupted change was not settled as applied: %+v", last)
	}
	if len(log.lines(`msg="found a delegation change interrupted by a crash"`, "applied=true")) != 1 {
		t.Fatalf("log:\n%s", log)
	}
	// The primary is healthy: failback auto wants it back, but the crashed change started the
	// cooldown. No registrar call at all.
	for i := 1; i <= 4; i++ {
		c.RunOnce(ctx, at(i))
	}
	if got := l.calls(); len(got) != 0 {
		t.Fatalf("registrar called after the restart: %v", got)
	}
	if len(log.lines("reason=cooldown")) != 1 {
		t.Fatalf("the crashed change does not start the cooldown:\n%s", log)
	}
}
