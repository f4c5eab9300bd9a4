// Package drill is the outage drill of `make drill` on real servers: a Knot parent for test.
// (changed through the rfc2136 registrar), a BIND primary and a Knot secondary for
// example.test., and four resolvers that reach example.test. through the parent's referral:
// Unbound, PowerDNS Recursor (defaults, then RecursorTuned) and Knot Resolver (see StartLab).
// Run syncs both providers with twinzone (pkg/sync, the real rfc2136 provider), starts one
// load loop per resolver that resolves a fixed set of names every 100 ms, stops the primary,
// lets the controller of `twinzone run` (pkg/controller, RunOnce every probe interval) take
// it out of the delegation, keeps the load going through the outage, starts the primary
// again and fails back (Zone.Failback, the path of `twinzone failback`). One outage measures
// every resolver. It returns what it measured.
//
// The lab's delegation TTL and resolver caches are seconds long (DelegationTTL,
// ResolverCacheMaxTTL, ResolverInfraTTL) so that switch mode converges within the drill; real
// delegations live for days, which is why switch mode is slower in the field.
package drill

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Options configure Run. Zero fields take the defaults in brackets.
type Options struct {
	Mode      string        // "active-active" or "switch" [the lab's mode]
	Interval  time.Duration // probe interval [500 ms]
	Timeout   time.Duration // probe timeout [300 ms]
	FailAfter int           // failing rounds before the verdict down [3]
	// LoadPeriod is how often the whole set of names is resolved [100 ms]; QueryTimeout
	// bounds each resolution [1 s].
	LoadPeriod, QueryTimeout time.Duration
	// Hold is how long the normal phase, the settled outage and the time after failback are
	// watched [3 s].
	Hold time.Duration
	// Settle is how long after the parent published the new set the outage still counts, for
	// resolvers to drop the old delegation [DelegationTTL + ResolverServfailHold + 1 s, as
	// Unbound counts TTLs in whole seconds].
	Settle time.Duration
	Logger *slog.Logger // libraries' logs; nil discards
}

func (o Options) withDefaults(l *Lab) Options {
	if o.Mode == "" {
		o.Mode = l.Mode
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Interval, 500*time.Millisecond)
	def(&o.Timeout, 300*time.Millisecond)
	def(&o.LoadPeriod, 100*time.Millisecond)
	def(&o.QueryTimeout, time.Second)
	def(&o.Hold, 3*time.Second)
	def(&o.Settle, DelegationTTL+ResolverServfailHold+time.Second)
	if o.FailAfter <= 0 {
		o.FailAfter = 3
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// drill is one run.
type drill struct {
	o    Options
	lab  *Lab
	cfg  *config.Config
	zc   *config.Zone
	want *zone.Zone
	ctl  *controller.Controller
	zone *controller.Zone
	rep  *Report

	mu       sync.Mutex
	calls    []time.Time // registrar calls
	timeline []Event
	start    time.Time
}

// Run runs the drill on lab, whose servers are running, and returns its report (filled as
// far as it got when the error is not nil). It must run on the test goroutine (restarting
// BIND fails the test on error).
func Run(ctx context.Context, lab *Lab, o Options) (Report, error) {
	o = o.withDefaults(lab)
	if o.Mode != lab.Mode {
		return Report{}, fmt.Errorf("drill: mode %s on a lab started for %s", o.Mode, lab.Mode)
	}
	d := &drill{o: o, lab: lab, start: time.Now()}
	d.rep = &Report{Mode: o.Mode, Interval: o.Interval, ProbeTimeout: o.Timeout, FailAfter: o.FailAfter,
		LoadPeriod: o.LoadPeriod, QueryTimeout: o.QueryTimeout, Names: len(queries), Settle: o.Settle,
		DelegationTTL: DelegationTTL, RecordTTL: RecordTTL, CacheMaxTTL: ResolverCacheMaxTTL, InfraTTL: ResolverInfraTTL}
	err := d.run(ctx)
	d.rep.Total = time.Since(d.start)
	d.rep.Timeline = d.timeline
	return *d.rep, err
}

func (d *drill) logf(at time.Time, format string, args ...any) {
	d.mu.Lock()
	d.timeline = append(d.timeline, Event{At: at.Sub(d.start), Text: fmt.Sprintf(format, args...)})
	d.mu.Unlock()
}

func (d *drill) run(ctx context.Context) error {
	if err := d.load(); err != nil {
		return err
	}
	if err := d.sync(ctx); err != nil {
		return err
	}
	if err := d.control(ctx); err != nil {
		return err
	}
	e := d.zone.Engine()
	if err := d.healthy(ctx); err != nil {
		return err
	}
	if got := e.Current(); !slices.Equal(got, e.Normal()) {
		return fmt.Errorf("the parent delegates to %v before the outage, want the normal %v", got, e.Normal())
	}
	// One load loop per resolver, all through the same outage.
	var loads []*load
	for _, r := range d.lab.Resolvers {
		ld, err := newLoad(r.Addr, d.o.LoadPeriod, d.o.QueryTimeout, d.want.RRsets)
		if err != nil {
			return err
		}
		loads = append(loads, ld)
	}
	loadStart := time.Now()
	for i, ld := range loads {
		ld.start(ctx)
		defer ld.stop()
		d.logf(loadStart, "load: resolving %d names through %s %s every %s", len(queries), d.lab.Resolvers[i].Name, d.lab.Resolvers[i].Addr, d.o.LoadPeriod)
	}
	if _, err := d.watch(ctx, d.o.Hold, "normal operation", nil); err != nil {
		return err
	}

	killed := time.Now()
	d.lab.Primary.Stop()
	d.logf(killed, "primary (BIND %s) stopped", d.lab.Primary.Addr)
	want := []string{d.zc.Secondary.Provider}
	var firstFail, down time.Time
	res, err := d.watch(ctx, 20*time.Second, "automatic failover", func(r failover.StepResult) bool {
		if firstFail.IsZero() && primaryFailed(d.zone.Last, d.zc.Primary.Provider) {
			firstFail = d.zone.Last.At
		}
		for _, tr := range r.Transitions {
			if tr.Provider == d.zc.Primary.Provider && tr.To == failover.Down {
				down = roundEnd(d.zone.Last)
				d.logf(down, "verdict: %s down (%s)", tr.Provider, tr.Reason)
			}
		}
		return r.Outcome != nil && r.Outcome.Applied && slices.Equal(e.Current(), want)
	})
	if err != nil {
		return err
	}
	out := res.Outcome
	if !out.ParentConfirmed {
		return fmt.Errorf("failover: the parent does not publish %v: %s", out.Decision.Set.Names(), out.ParentError)
	}
	call := d.lastCall()
	d.logf(call, "registrar: UPDATE of %s: NS %v", ParentZone, out.Decision.Set.Names())
	d.logf(out.Finished, "parent publishes %v", out.Decision.Set.Names())
	d.rep.FirstFailure = firstFail.Sub(killed)
	d.rep.Detect = down.Sub(killed)
	d.rep.RegistrarCall = call.Sub(killed)
	d.rep.ParentPublished = out.Finished.Sub(killed)
	settled := out.Finished.Add(d.o.Settle)
	if _, err := d.watch(ctx, time.Until(settled)+d.o.Hold, "outage", nil); err != nil {
		return err
	}

	back := time.Now()
	d.lab.Primary.Start()
	d.logf(back, "primary (BIND) started again")
	if _, err := d.watch(ctx, 20*time.Second, "primary up again", func(failover.StepResult) bool {
		return d.zone.Tracker().Health(d.zc.Primary.Provider) == failover.Up
	}); err != nil {
		return err
	}
	d.rep.Recover = time.Since(back)
	fb, err := d.zone.Failback(ctx, controller.ManualOptions{})
	if err != nil {
		return fmt.Errorf("failback: %w", err)
	}
	if !fb.ParentConfirmed {
		return fmt.Errorf("failback: the parent does not publish %v: %s", fb.Decision.Set.Names(), fb.ParentError)
	}
	d.logf(fb.Finished, "failback: parent publishes %v", fb.Decision.Set.Names())
	d.rep.FailbackPublished = fb.Finished.Sub(back)
	if _, err := d.watch(ctx, d.o.Hold, "after failback", nil); err != nil {
		return err
	}
	for _, ld := range loads {
		ld.stop()
	}
	end := time.Now()
	d.rep.LoadStart = loadStart.Sub(d.start)
	for i, ld := range loads {
		samples := ld.snapshot()
		rr := ResolverReport{Name: d.lab.Resolvers[i].Name, Addr: d.lab.Resolvers[i].Addr, ServfailHold: d.lab.Resolvers[i].ServfailHold,
			Before: tally(samples, loadStart, killed), During: tally(samples, killed, settled),
			After: tally(samples, settled, back), Failback: tally(samples, back, end)}
		for t := loadStart; t.Before(end); t = t.Add(time.Second) {
			rr.PerSecond = append(rr.PerSecond, tally(samples, t, t.Add(time.Second)))
		}
		rr.LastFailure, rr.FailingAtRestart = lastFailure(samples, killed, back, out.Finished, time.Second)
		d.rep.Resolvers = append(d.rep.Resolvers, rr)
	}
	d.recursorCounters()
	return d.check(ctx)
}

// recursorCounters puts PowerDNS Recursor's own counters in the timeline: how often it met
// the dead server, and how many SERVFAILs came from its packet cache (README's explanation).
func (d *drill) recursorCounters() {
	for _, r := range d.lab.Resolvers {
		if r.Kind != "pdns-recursor" {
			continue
		}
		out, err := dnsserver.RecControl(r.Server, "get", "unreachables", "outgoing-timeouts", "servfail-answers", "packetcache-hits", "throttle-entries")
		if err != nil {
			d.logf(time.Now(), "%s: counters: %v", r.Name, err)
			continue
		}
		d.logf(time.Now(), "%s: unreachables, outgoing-timeouts, servfail-answers, packetcache-hits, throttle-entries: %s", r.Name, strings.Join(strings.Fields(out), " "))
	}
}
