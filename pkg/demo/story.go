package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/reconcile"
	"github.com/twinzone/twinzone/pkg/state"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
)

// story is one run of the demo.
type story struct {
	o   Options
	tl  *timeline
	lab *lab
	sum *Summary

	store       *state.Store
	ctl         *controller.Controller
	zone        *controller.Zone
	lastBlocked string
	marks       marks
	load        *load
}

func (s *story) run(ctx context.Context) error {
	l, zc := s.lab, s.lab.zc
	s.tl.section("The lab")
	s.tl.logf("parent    %-13s on %s delegates %s to %s", ParentZone, l.parent.Addr(), Zone, PrimaryNS)
	s.tl.logf("primary   %-13s on %s (provider %s, rfc2136) holds only SOA and NS", Zone, l.primary.Addr(), zc.Primary.Provider)
	s.tl.logf("secondary %-13s on %s (provider %s, rfc2136) holds only SOA and NS", Zone, l.secondary.Addr(), zc.Secondary.Provider)
	s.tl.logf("wrote %s/twinzone.yaml (mode %s, TSIG key from $%s) and a zone file of %d RRsets", l.dir, zc.Mode, keyEnv, len(l.desired.RRsets))

	s.tl.section("1. Sync both providers")
	if err := s.sync(ctx); err != nil {
		return err
	}
	s.tl.section("2. Probe both providers, set the normal delegation")
	if err := s.setupControl(ctx); err != nil {
		return err
	}
	if err := s.probeOnce(ctx); err != nil {
		return err
	}
	if err := s.delegate(ctx); err != nil {
		return err
	}

	s.tl.section("3. Normal operation: resolving %s through the parent every 100 ms", Zone)
	s.load = &load{r: &resolver{parent: l.parent.Addr(), ports: l.nsPorts(), timeout: 300 * time.Millisecond}, period: 100 * time.Millisecond,
		names: []query{{"www." + Zone, dns.TypeA}, {Zone, dns.TypeMX}, {"mail." + Zone, dns.TypeA}, {"api." + Zone, dns.TypeA}, {"_dmarc." + Zone, dns.TypeTXT}}}
	s.load.start(ctx)
	defer s.load.finish()
	if err := s.watch(ctx, s.o.Hold, "normal operation", nil); err != nil {
		return err
	}
	if h := s.zone.Tracker().Health(zc.Primary.Provider); h != failover.Up {
		return fmt.Errorf("the primary is %s before the outage", h)
	}
	s.tl.logf("resolution so far: %s", s.load.tally(Before))

	s.tl.section("4. Outage: the primary stops answering")
	l.primary.Stop()
	killed := time.Now()
	s.load.setPhase(During)
	s.tl.logf("primary %s on %s stopped answering (probe every %s, timeout %s, fail_after %d)",
		zc.Primary.Provider, l.primary.Addr(), zc.Probe.Interval, zc.Probe.Timeout, zc.Probe.FailAfter)
	want := []string{zc.Secondary.Provider}
	err := s.watch(ctx, 20*time.Second, "automatic failover", func(r failover.StepResult) bool {
		return r.Outcome != nil && r.Outcome.Applied && slices.Equal(s.zone.Engine().Current(), want)
	})
	if err != nil {
		return err
	}
	s.sum.Detect = s.marks.get(&s.marks.down).Sub(killed)
	s.sum.RegistrarCall = s.marks.get(&s.marks.call).Sub(killed)
	s.sum.ParentPublished = s.marks.get(&s.marks.published).Sub(killed)
	s.tl.logf("failover done: detected after %s, registrar called after %s, parent published after %s",
		secs(s.sum.Detect), secs(s.sum.RegistrarCall), secs(s.sum.ParentPublished))
	if err := s.watch(ctx, s.o.Hold, "outage", nil); err != nil {
		return err
	}
	s.tl.logf("resolution during the outage so far: %s", s.load.tally(During))

	s.tl.section("5. The primary comes back; failback by hand (twinzone failback)")
	l.primary.Start()
	back := time.Now()
	s.load.setPhase(After)
	s.tl.logf("primary %s on %s answers again", zc.Primary.Provider, l.primary.Addr())
	err = s.watch(ctx, 20*time.Second, "primary up again", func(failover.StepResult) bool {
		return s.zone.Tracker().Health(zc.Primary.Provider) == failover.Up
	})
	if err != nil {
		return err
	}
	s.sum.Recover = s.marks.get(&s.marks.up).Sub(back)
	s.tl.logf("operator: twinzone failback --zone %s", Zone)
	if err := s.manualFailback(ctx); err != nil {
		return err
	}
	s.sum.FailbackPublished = s.marks.get(&s.marks.published).Sub(back)
	if err := s.watch(ctx, s.o.Hold, "after failback", nil); err != nil {
		return err
	}
	s.sum.Resolution = s.load.finish()
	return s.check(ctx)
}

// sync converges both providers on the zone file with the real providers, through the use
// case `twinzone sync` runs (reconcile.RunOnce: ignore rules and policies included), then
// checks that a second plan is empty.
func (s *story) sync(ctx context.Context) error {
	zc := s.lab.zc
	z := reconcile.Zone{Config: zc, Desired: s.lab.desired}
	open := func(ctx context.Context, name string) (provider.Provider, error) {
		return dnsproviders.Open(ctx, s.lab.cfg.Providers[name], s.o.Logger)
	}
	o := reconcile.Options{Open: open, Logger: s.o.Logger}
	if s.store != nil {
		o.History = s.store // journalled; the last sync is recorded only by a holder of the lease
	}
	res := reconcile.RunOnce(ctx, z, o)
	if len(res.Errs) > 0 {
		return fmt.Errorf("sync: %w", errors.Join(res.Errs...))
	}
	for _, r := range res.Results {
		srv := s.lab.primary
		if r.Target == zc.Secondary.Provider {
			srv = s.lab.secondary
		}
		s.tl.logf("sync %s: %d changes (%d create, %d update, %d delete) applied by %d UPDATEs, read back and stamped in %s; serial now %d",
			r.Target, len(r.Plan.Changes), r.Plan.Counts.Create, r.Plan.Counts.Update, r.Plan.Counts.Delete, srv.Updates(), secs(r.Duration), srv.Serial(Zone))
	}
	again := reconcile.RunOnce(ctx, z, reconcile.Options{Open: open, Logger: s.o.Logger, DryRun: true, Force: true})
	if len(again.Errs) > 0 {
		return fmt.Errorf("plan after sync: %w", errors.Join(again.Errs...))
	}
	for _, p := range again.Plans {
		if !p.Empty() {
			return fmt.Errorf("plan after sync: %s still has %d changes", p.Provider, len(p.Changes))
		}
	}
	s.tl.logf("plan after sync: no changes on either provider (AXFR of both)")
	return nil
}

// probeOnce probes every address of both providers and requires them healthy and in sync.
func (s *story) probeOnce(ctx context.Context) error {
	round := s.zone.Probe(ctx, time.Now())
	var bad []string
	for _, r := range round.Results {
		s.tl.logf("probe %s %s @%s over %s: %s, serial %d, stamp %s (%s)", r.Provider, r.Nameserver, r.Addr, r.Transport,
			r.Reason, r.Serial, r.Stamp.Short(), r.Latency.Round(10*time.Microsecond))
		switch {
		case !r.Healthy():
			bad = append(bad, fmt.Sprintf("%s %s: %s %s", r.Provider, r.Addr, r.Reason, r.Detail))
		case r.Stamp.Hash != s.zone.Stamp().Hash:
			bad = append(bad, fmt.Sprintf("%s %s: serves stamp %s, want %s", r.Provider, r.Addr, r.Stamp.Short(), s.zone.Stamp().Short()))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("probe: %s", strings.Join(bad, "; "))
	}
	return nil
}

// delegate reads the delegation from the parent and, when it is not the mode's normal one,
// makes it so, like `twinzone failback` (preflight, registrar, parent polling).
func (s *story) delegate(ctx context.Context) error {
	d, err := s.zone.Delegation(ctx)
	if err != nil {
		return fmt.Errorf("read the delegation: %w", err)
	}
	e := s.zone.Engine()
	s.tl.logf("the parent delegates %s to %s (providers %v)", Zone, strings.Join(d.NS, " "), e.ProvidersOf(d.NS))
	if slices.Equal(e.Current(), e.Normal()) {
		s.tl.logf("that is the normal delegation of mode %s", s.lab.zc.Mode)
		return nil
	}
	s.tl.logf("mode %s delegates to %v: changing the delegation", s.lab.zc.Mode, e.Normal())
	return s.manualFailback(ctx)
}

// check ends the story: the parent publishes the normal delegation and a lookup works.
func (s *story) check(ctx context.Context) error {
	d, err := s.zone.Delegation(ctx)
	if err != nil {
		return fmt.Errorf("read the delegation: %w", err)
	}
	names, e := d.NS, s.zone.Engine()
	if got := e.ProvidersOf(names); !slices.Equal(got, e.Normal()) {
		return fmt.Errorf("the parent delegates to %v, want the normal %v", got, e.Normal())
	}
	if t := s.sum.Resolution[After]; t.Total == 0 || t.OK == 0 {
		return fmt.Errorf("no successful lookup after the primary came back (%s; last error: %s)", t, s.load.lastError())
	}
	s.tl.logf("the parent delegates %s to %s again (the normal delegation)", Zone, strings.Join(names, " "))
	evs, err := s.store.Events(Zone, 0)
	if err != nil {
		return fmt.Errorf("read the journal: %w", err)
	}
	s.tl.logf("journal: %d events in %s (what `twinzone status` shows)", len(evs), s.store.Dir())
	return nil
}

func (s *story) printSummary() {
	sum, zc := s.sum, s.lab.zc
	s.tl.section("Summary (%s)", sum.Mode)
	s.tl.printf("  time to detect the outage         %s  (fail_after %d x interval %s)\n", secs(sum.Detect), zc.Probe.FailAfter, zc.Probe.Interval)
	s.tl.printf("  time to the registrar call        %s\n", secs(sum.RegistrarCall))
	s.tl.printf("  time until the parent published   %s\n", secs(sum.ParentPublished))
	s.tl.printf("  primary back: up after %s (recover_after %d), normal delegation published after %s (manual failback)\n",
		secs(sum.Recover), zc.Probe.RecoverAfter, secs(sum.FailbackPublished))
	s.tl.printf("  resolution (iterative from the parent, no cache, 300 ms per server, nameservers in random order):\n")
	for _, p := range []Phase{Before, During, After} {
		t := sum.Resolution[p]
		extra := ""
		if t.Slow > 0 {
			extra = fmt.Sprintf(", %d only after a nameserver timed out", t.Slow)
		}
		s.tl.printf("    %-7s the outage  %s%s\n", p, t, extra)
	}
	if sum.Mode == string(failover.ActiveActive) {
		s.tl.printf("  active-active: the delegation always lists a live provider, so resolvers retry the other one.\n")
	} else {
		s.tl.printf("  switch: until the parent published the secondary, resolvers had only the dead primary to ask;\n" +
			"  real resolvers also keep the old delegation cached for up to its TTL.\n")
	}
	s.tl.printf("  total %s\n", secs(sum.Total))
}
