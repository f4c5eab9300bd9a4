// Package drill is the outage drill of `make drill` on real servers: a Knot parent for test.
// (changed through the rfc2136 registrar), a BIND primary and a Knot secondary for
// example.test., and an Unbound resolver with a stub for test. (see StartLab). Run syncs
// both providers with twinzone (pkg/sync, the real rfc2136 provider), starts a load loop that
// resolves a fixed set of names through Unbound every 100 ms, stops the primary, lets the
// controller of `twinzone run` (pkg/controller, RunOnce every probe interval) take it out of
// the delegation, keeps the load going through the outage, starts the primary again and
// fails back (Zone.Failback, the path of `twinzone failback`). It returns what it measured.
//
// The lab's delegation TTL and resolver caches are seconds long (DelegationTTL,
// ResolverCacheMaxTTL, ResolverInfraTTL) so that switch mode converges within the drill; real
// delegations live for days, which is why switch mode is slower in the field.
package drill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
	registrars "github.com/twinzone/twinzone/providers/registrar"
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
	hash string
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
	ld, err := newLoad(d.lab.Resolver.Addr, d.o.LoadPeriod, d.o.QueryTimeout, d.want.RRsets)
	if err != nil {
		return err
	}
	loadStart := time.Now()
	ld.start(ctx)
	defer ld.stop()
	d.logf(loadStart, "load: resolving %d names through Unbound %s every %s", len(queries), d.lab.Resolver.Addr, d.o.LoadPeriod)
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
	ld.stop()
	end := time.Now()
	samples := ld.snapshot()
	d.rep.Before = tally(samples, loadStart, killed)
	d.rep.During = tally(samples, killed, settled)
	d.rep.After = tally(samples, settled, back)
	d.rep.Failback = tally(samples, back, end)
	d.rep.LoadStart = loadStart.Sub(d.start)
	for t := loadStart; t.Before(end); t = t.Add(time.Second) {
		d.rep.PerSecond = append(d.rep.PerSecond, tally(samples, t, t.Add(time.Second)))
	}
	return d.check(ctx)
}

// load writes and loads the config with the real loader.
func (d *drill) load() error {
	path := filepath.Join(d.lab.Dir, "twinzone.yaml")
	if err := os.WriteFile(path, []byte(configText(d.o, d.lab.Key.Name)), 0o600); err != nil {
		return err
	}
	cfg, err := config.LoadWith(path, func(name string) (string, bool) {
		if name == "TZ_DRILL_TSIG" {
			return d.lab.Key.Secret, true
		}
		return "", false
	})
	if err != nil {
		return fmt.Errorf("load the drill's config: %w", err)
	}
	zc, ok := cfg.Zone(Zone)
	if !ok {
		return errors.New("config has no zone " + Zone)
	}
	d.cfg, d.zc = cfg, zc
	if d.want, err = zone.ParseFile(zc.File, zc.Name); err != nil {
		return err
	}
	d.hash = plan.StampHash(d.want.RRsets)
	return nil
}

// sync converges both providers on the zone file (pkg/sync with the real providers).
func (d *drill) sync(ctx context.Context) error {
	var targets []tzsync.Target
	for _, name := range d.zc.Providers() {
		p, err := dnsproviders.Open(ctx, d.cfg.Providers[name], d.o.Logger)
		if err != nil {
			return fmt.Errorf("open provider %s: %w", name, err)
		}
		var traits plan.Traits
		if ds, ok := p.(provider.Describer); ok {
			traits = ds.Traits()
		}
		targets = append(targets, tzsync.Target{Name: name, Provider: p, Options: plan.Options{
			Provider: name, Origin: d.zc.Name, Traits: traits, ManageApexNS: d.zc.ManageApexNS, StampHash: d.hash}})
	}
	syncer := &tzsync.Syncer{Logger: d.o.Logger}
	for _, r := range syncer.Sync(ctx, targets, d.want.RRsets, tzsync.Options{}) {
		if r.Err != nil {
			return fmt.Errorf("sync %s: %w", r.Target, r.Err)
		}
		d.logf(time.Now(), "sync %s: %d changes in %s", r.Target, len(r.Plan.Changes), r.Duration.Round(time.Millisecond))
	}
	return nil
}

// control builds the controller of `twinzone run`, with a watch on registrar calls.
func (d *drill) control(ctx context.Context) error {
	st, err := state.Open(d.cfg.StateDir, state.WithLogger(d.o.Logger))
	if err != nil {
		return err
	}
	d.ctl, err = controller.New(ctx, controller.Options{
		Config: d.cfg, Zones: []controller.ZoneSpec{{Config: d.zc, StampHash: d.hash}}, Store: st, Logger: d.o.Logger,
		OpenRegistrar: func(ctx context.Context, rc *config.Registrar) (registrar.Registrar, error) {
			reg, err := registrars.Open(ctx, rc, d.o.Logger)
			if err != nil {
				return nil, err
			}
			return &watched{Registrar: reg, onCall: func() {
				d.mu.Lock()
				d.calls = append(d.calls, time.Now())
				d.mu.Unlock()
			}}, nil
		},
		Listen: "-", ParentPoll: 50 * time.Millisecond, RegistrarBackoff: 200 * time.Millisecond,
		RetryEvery: time.Second, LockTimeout: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	z, ok := d.ctl.Zone(Zone)
	if !ok {
		return fmt.Errorf("controller has no zone %s", Zone)
	}
	if z.ParentErr != nil {
		return fmt.Errorf("parent servers: %w", z.ParentErr)
	}
	if _, err := z.Registrar(); err != nil {
		return fmt.Errorf("registrar: %w", err)
	}
	d.zone = z
	return nil
}

// healthy probes until every address is healthy and in sync (a few tries: a loaded
// machine may drop one probe).
func (d *drill) healthy(ctx context.Context) error {
	var bad []string
	for range 5 {
		bad = bad[:0]
		for _, r := range d.zone.Probe(ctx, time.Now()).Results {
			if !r.Healthy() {
				bad = append(bad, fmt.Sprintf("%s %s: %s %s", r.Provider, r.Addr, r.Reason, r.Detail))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("probe after sync: %v", bad)
}

// watch runs controller rounds every probe interval for d, or until until is true (an
// error after d then). It returns the last step's result.
func (d *drill) watch(ctx context.Context, dur time.Duration, what string, until func(failover.StepResult) bool) (failover.StepResult, error) {
	deadline := time.Now().Add(dur)
	t := time.NewTicker(d.o.Interval)
	defer t.Stop()
	for {
		steps := d.ctl.RunOnce(ctx, time.Now())
		if len(steps) != 1 {
			return failover.StepResult{}, fmt.Errorf("%s: controller ran %d zones, want 1", what, len(steps))
		}
		res := steps[0].Result
		if res.Err != nil {
			d.logf(time.Now(), "%s: delegation change not made: %v", what, res.Err)
		}
		if until != nil && until(res) {
			return res, nil
		}
		if time.Now().After(deadline) {
			if until != nil {
				return res, fmt.Errorf("%s: not within %s", what, dur)
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// check ends the drill: the parent publishes the normal delegation again.
func (d *drill) check(ctx context.Context) error {
	r := &delegation.Reader{Timeout: 2 * time.Second}
	del, err := r.Delegation(ctx, d.zone.Parents, Zone)
	if err != nil {
		return fmt.Errorf("read the delegation: %w", err)
	}
	e := d.zone.Engine()
	if got := e.ProvidersOf(del.NS); !slices.Equal(got, e.Normal()) {
		return fmt.Errorf("after failback the parent delegates to %v, want the normal %v", got, e.Normal())
	}
	return nil
}

func (d *drill) lastCall() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.calls) == 0 {
		return time.Time{}
	}
	return d.calls[len(d.calls)-1]
}

// watched notes every registrar call before passing it on.
type watched struct {
	registrar.Registrar
	onCall func()
}

func (w *watched) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	w.onCall()
	return w.Registrar.SetNameservers(ctx, domain, set)
}

// primaryFailed reports whether any of the primary's results in round failed.
func primaryFailed(r probe.Round, primary string) bool {
	for _, res := range r.Results {
		if res.Provider == primary && !res.Healthy() {
			return true
		}
	}
	return false
}

// roundEnd is when the last result of a round came in.
func roundEnd(r probe.Round) time.Time {
	end := r.At
	for _, res := range r.Results {
		if t := res.At.Add(res.Latency); t.After(end) {
			end = t
		}
	}
	return end
}
