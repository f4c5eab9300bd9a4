package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

// Zone is one controlled zone.
type Zone struct {
	Name      string // absolute, lower-case
	Config    *config.Zone
	StampHash string
	// Targets are the probed addresses of both providers (control targets aside).
	Targets []probe.Target
	// Parents are the parent servers (nil when they could not be found: ParentErr says why).
	Parents   []netip.AddrPort
	ParentErr error
	// Last is the last probe round (control targets included).
	Last probe.Round

	c       *Controller
	prober  *probe.Prober
	ctrl    *failover.Controller
	engine  *failover.Engine
	tracker *failover.Tracker
	runner  *failover.Runner
	reg     registrar.Registrar
	regErr  error
	round   int
	held    *state.Lock

	mu   sync.Mutex
	snap Snapshot
}

// Snapshot is what a zone's loop last saw, safe to read from any goroutine.
type Snapshot struct {
	LastRound time.Time                  `json:"last_round"`
	Busy      bool                       `json:"busy"` // a step (maybe a delegation change) is in progress
	Verdicts  map[string]failover.Health `json:"verdicts"`
	Delegated []string                   `json:"delegated"`
}

// snapshot returns a copy of the zone's last observations.
func (z *Zone) snapshot() Snapshot {
	z.mu.Lock()
	defer z.mu.Unlock()
	s := z.snap
	s.Verdicts = maps.Clone(s.Verdicts)
	s.Delegated = slices.Clone(s.Delegated)
	return s
}

func (z *Zone) setBusy(b bool) {
	z.mu.Lock()
	z.snap.Busy = b
	if !b {
		z.snap.LastRound = time.Now()
		z.snap.Verdicts = z.tracker.Snapshot()
		z.snap.Delegated = z.engine.Current()
	}
	z.mu.Unlock()
}

func (c *Controller) newZone(ctx context.Context, spec ZoneSpec) (*Zone, error) {
	zc := spec.Config
	z := &Zone{Name: zc.Name, Config: zc, StampHash: spec.StampHash, c: c}
	z.prober = &probe.Prober{Timeout: zc.Probe.Timeout, TCPEvery: zc.Probe.TCPEvery, Resolve: c.opts.Resolve, Logger: c.log}
	cache := c.opts.Store.AddrCache(zc.Name)
	var sets [2]nameserver.Set
	for i, ref := range []config.ProviderRef{zc.Primary, zc.Secondary} {
		ts, err := z.prober.Targets(ctx, ref.Provider, ref.Nameservers, cache)
		if err != nil {
			c.log.Warn("some nameservers have no address", "zone", zc.Name, "err", err)
		}
		if len(ts) == 0 {
			return nil, fmt.Errorf("%s: no address to probe for provider %s (%v): list addresses in the config (name.=ip) or check DNS", zc.Name, ref.Provider, err)
		}
		z.Targets = append(z.Targets, ts...)
		sets[i] = resolvedSet(ref.Nameservers, ts)
	}
	quorum, err := failover.ParseQuorum(zc.Probe.Quorum)
	if err != nil {
		return nil, fmt.Errorf("%s: probe.quorum: %w", zc.Name, err)
	}
	z.tracker, err = failover.NewTracker(failover.TrackerConfig{Providers: []string{zc.Primary.Provider, zc.Secondary.Provider},
		Quorum: quorum, FailAfter: zc.Probe.FailAfter, RecoverAfter: zc.Probe.RecoverAfter})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zc.Name, err)
	}
	z.engine, err = failover.NewEngine(failover.EngineConfig{
		Policy: failover.Policy{Mode: failover.Mode(zc.Mode), Auto: zc.Failover.Auto && zc.Registrar != "",
			Cooldown: zc.Failover.Cooldown, MaxPerDay: zc.Failover.MaxPerDay, Failback: failover.FailbackPolicy(zc.Failover.Failback)},
		Primary: zc.Primary.Provider, Secondary: zc.Secondary.Provider, PrimarySet: sets[0], SecondarySet: sets[1]})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zc.Name, err)
	}
	if c.opts.ProbeOnly {
		z.ParentErr = errors.New("not looked up (probe only)")
	} else {
		z.Parents, z.ParentErr = c.parentServers(ctx, zc)
	}
	if z.ParentErr != nil && !c.opts.ProbeOnly {
		c.log.Warn("parent servers unknown: the delegation cannot be read or confirmed", "zone", zc.Name, "err", z.ParentErr)
	}
	if zc.Registrar != "" && !c.opts.ProbeOnly {
		z.reg, z.regErr = c.openRegistrar(ctx, z)
		if z.regErr != nil {
			c.log.Warn("registrar cannot be opened: failover is impossible", "zone", zc.Name, "err", z.regErr)
		}
	}
	z.initCurrent(ctx)
	z.runner = &failover.Runner{
		Zone: zc.Name, Probe: z.probeSet, QueryDNSKEY: z.prober.DNSKEY,
		ParentTimeout: zc.Failover.PropagationTimeout, Backoff: c.opts.RegistrarBackoff, Logger: c.log,
		Journal: z.journal, Metrics: z.observeOutcome,
	}
	if z.reg != nil {
		z.runner.Registrar = &lockedRegistrar{Registrar: z.reg, z: z}
	}
	if len(z.Parents) > 0 {
		z.runner.WaitParent = z.waitParent
	}
	if c.opts.Config.Controller.Webhook.IsSet() {
		z.runner.Webhook = c.webhook
	}
	z.ctrl = &failover.Controller{Tracker: z.tracker, Engine: z.engine, Runner: z.runner,
		RequireInSync: zc.Failover.RequireInSync, RetryEvery: durOr(c.opts.RetryEvery, DefaultRetryEvery)}
	if z.StampHash != "" {
		z.ctrl.ExpectedStamp = func() string { return z.StampHash }
	}
	if len(z.Parents) > 0 {
		z.ctrl.ParentDS = z.parentDS
	}
	c.metrics.InitZone(z.Name, []string{zc.Primary.Provider, zc.Secondary.Provider})
	c.metrics.SetDelegated(z.Name, []string{zc.Primary.Provider, zc.Secondary.Provider}, z.engine.Current())
	return z, nil
}

// initCurrent tells the engine which providers are delegated. The registrar's own view comes
// first and then what the parent publishes, before the state file: a failover killed after
// the registrar accepted the change but before the state file was written leaves the state
// file behind, and trusting it would make a later `failback` say "nothing to do" while the
// parent still publishes the failover set. The state file is the fallback when neither can
// be read. The cooldown and daily-cap history always come from the state file.
func (z *Zone) initCurrent(ctx context.Context) {
	if st, err := z.c.opts.Store.Load(); err == nil {
		if zs, ok := st.Zones[z.Name]; ok {
			defer z.restoreHistory(zs)
		}
	}
	if z.reg != nil {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		names, err := z.reg.Nameservers(rctx, z.Name)
		cancel()
		if err == nil {
			if ps := z.engine.ProvidersOf(names); len(ps) > 0 {
				z.engine.SetCurrent(ps)
				z.reconcileState(ctx, names, "registrar")
				return
			}
		} else {
			z.c.log.Debug("registrar cannot tell the current delegation", "zone", z.Name, "err", err)
		}
	}
	if len(z.Parents) > 0 {
		d, err := z.c.reader.Delegation(ctx, z.Parents, z.Name)
		if err == nil {
			if ps := z.engine.ProvidersOf(d.NS); len(ps) > 0 {
				z.engine.SetCurrent(ps)
				z.reconcileState(ctx, d.NS, "parent")
				return
			}
		} else {
			z.c.log.Warn("cannot read the delegation at the parent", "zone", z.Name, "err", err)
		}
	}
	if st, err := z.c.opts.Store.Load(); err == nil {
		if zs, ok := st.Zones[z.Name]; ok && len(zs.Delegation) > 0 {
			if ps := z.engine.ProvidersOf(zs.Delegation); len(ps) > 0 {
				z.engine.SetCurrent(ps)
				return
			}
		}
	}
	z.c.log.Warn("current delegation unknown; assuming the normal one", "zone", z.Name)
}

// reconcileState writes the delegation seen at source into the state file when the file says
// otherwise (a failover or failback killed after the registrar accepted it), and journals it.
// The failover counters are left alone: the interrupted change was never counted.
func (z *Zone) reconcileState(ctx context.Context, names []string, source string) {
	names = delegation.Normalize(names)
	cur, normal := z.engine.Current(), z.engine.Normal()
	mode, failed := state.ModeNormal, ""
	if !slices.Equal(cur, normal) {
		mode = state.ModeFailedOver
		for _, p := range normal {
			if !slices.Contains(cur, p) {
				failed = p
			}
		}
	}
	changed := false
	err := z.c.opts.Store.Update(func(s *state.State) error {
		zs := s.Zone(z.Name)
		if slices.Equal(delegation.Normalize(zs.Delegation), names) && (zs.Mode == mode || (zs.Mode == "" && mode == state.ModeNormal)) {
			return nil
		}
		changed = true
		zs.Delegation, zs.Mode, zs.FailedProvider = names, mode, failed
		return nil
	})
	if err != nil {
		z.c.log.Warn("state not updated", "zone", z.Name, "err", err)
		return
	}
	if changed {
		z.journal(failover.Event{Time: time.Now(), Zone: z.Name, Kind: "reconcile",
			Message:  "state file updated to the delegation the " + source + " holds: " + strings.Join(names, " ") + " (" + mode + ")",
			Evidence: map[string]any{"source": source, "nameservers": names, "mode": mode}})
	}
}

// restoreHistory replays the recorded changes into the engine through its public Applied, with
// the current delegation (so only the cooldown and daily-cap history move).
func (z *Zone) restoreHistory(zs *state.ZoneState) {
	cur := z.engine.Current()
	now := time.Now()
	n := zs.FailoversOn(now)
	if n == 0 && !zs.LastFailover.IsZero() {
		z.engine.Applied(zs.LastFailover, failover.Decision{Kind: failover.Restore, Providers: cur})
	}
	for range n {
		z.engine.Applied(zs.LastFailover, failover.Decision{Kind: failover.Failover, Providers: cur})
	}
	if zs.LastFailback.After(zs.LastFailover) {
		z.engine.Applied(zs.LastFailback, failover.Decision{Kind: failover.Restore, Providers: cur})
	}
}

func (c *Controller) openRegistrar(ctx context.Context, z *Zone) (registrar.Registrar, error) {
	rc, ok := c.opts.Config.Registrars[z.Config.Registrar]
	if !ok {
		return nil, fmt.Errorf("registrar %q is not defined", z.Config.Registrar)
	}
	if c.opts.OpenRegistrar != nil {
		return c.opts.OpenRegistrar(ctx, rc)
	}
	return registrars.OpenWith(ctx, rc, c.log, registrars.Options{Out: c.opts.Out, Reader: func(ctx context.Context, domain string) ([]string, error) {
		if len(z.Parents) == 0 {
			return nil, fmt.Errorf("parent servers unknown: %w", z.ParentErr)
		}
		d, err := c.reader.Delegation(ctx, z.Parents, domain)
		return d.NS, err
	}})
}

// Engine returns the zone's failover engine (read-only use: Current, Health, Normal).
func (z *Zone) Engine() *failover.Engine { return z.engine }

// Tracker returns the zone's verdict tracker.
func (z *Zone) Tracker() *failover.Tracker { return z.tracker }

// Registrar returns the zone's registrar and the error that kept it from opening.
func (z *Zone) Registrar() (registrar.Registrar, error) { return z.reg, z.regErr }

// Delegation reads the delegation the parent's servers publish now.
func (z *Zone) Delegation(ctx context.Context) (delegation.Delegation, error) {
	if len(z.Parents) == 0 {
		return delegation.Delegation{Zone: z.Name}, fmt.Errorf("%s: parent servers unknown: %w", z.Name, z.ParentErr)
	}
	return z.c.reader.Delegation(ctx, z.Parents, z.Name)
}

// Probe runs one probe round on both providers' addresses and the control targets, stamped
// with now; it does not feed the tracker.
func (z *Zone) Probe(ctx context.Context, now time.Time) probe.Round {
	z.round++
	r := z.prober.Round(ctx, z.Targets, z.Name, z.StampHash, z.round)
	if len(z.c.control) > 0 {
		cr := z.prober.Round(ctx, z.c.control, ".", "", z.round)
		for _, res := range cr.Results {
			// Any reply proves the network path works (a resolver answers without AA).
			if res.Reason != probe.Timeout && res.Reason != probe.Unreachable {
				res.Reason = probe.OK
			}
			r.Results = append(r.Results, res)
		}
	}
	r.At = now
	return r
}

// probeSet is the Runner's preflight probe of one provider's (resolved) set.
func (z *Zone) probeSet(ctx context.Context, provider string, set nameserver.Set) (probe.Round, error) {
	var ts []probe.Target
	for _, ns := range set {
		for _, a := range ns.Addrs {
			ts = append(ts, probe.Target{Provider: provider, Nameserver: dns.CanonicalName(ns.Name), Addr: a})
		}
	}
	if len(ts) == 0 {
		return probe.Round{}, fmt.Errorf("no address known for %s's nameservers", provider)
	}
	return z.prober.Round(ctx, ts, z.Name, z.StampHash, 1), nil
}

func (z *Zone) parentDS(ctx context.Context) ([]*dns.DS, error) {
	d, err := z.c.reader.Delegation(ctx, z.Parents, z.Name)
	if err != nil {
		return nil, err
	}
	return d.DS, nil
}

func (z *Zone) waitParent(ctx context.Context, want []string) error {
	_, err := z.c.reader.WaitFor(ctx, z.Parents, z.Name, want, durOr(z.c.opts.ParentPoll, DefaultParentPoll))
	return err
}

func (z *Zone) journal(ev failover.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := z.c.opts.Store.Append(ctx, state.Event(ev)); err != nil {
		z.c.log.Warn("journal not written", "zone", z.Name, "kind", ev.Kind, "err", err)
	}
}

func (z *Zone) observeOutcome(out failover.Outcome) {
	if out.Applied {
		z.c.metrics.Failover(z.Name, string(out.Decision.Kind))
	}
}

// lockedRegistrar takes the state lock before it asks the registrar for a change; the zone
// releases it once the state file records the outcome (see Zone.release).
type lockedRegistrar struct {
	registrar.Registrar
	z *Zone
}

func (r *lockedRegistrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if err := r.z.acquire(ctx); err != nil {
		return registrar.Operation{}, err
	}
	return r.Registrar.SetNameservers(ctx, domain, set)
}

// Wait passes through to an asynchronous registrar; synchronous ones are done already.
func (r *lockedRegistrar) Wait(ctx context.Context, domain string, op registrar.Operation) error {
	if w, ok := r.Registrar.(registrar.Waiter); ok {
		return w.Wait(ctx, domain, op)
	}
	return nil
}

var _ registrar.Waiter = (*lockedRegistrar)(nil)

func (z *Zone) acquire(ctx context.Context) error {
	if z.held != nil {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, durOr(z.c.opts.LockTimeout, DefaultLockTimeout))
	defer cancel()
	lk, err := z.c.opts.Store.Lock(lctx)
	if err != nil {
		return fmt.Errorf("state lock: %w (a sync or another twinzone holds it; the change is retried)", err)
	}
	z.held = lk
	return nil
}

func (z *Zone) release() {
	if z.held != nil {
		if err := z.held.Unlock(); err != nil {
			z.c.log.Warn("state unlock", "zone", z.Name, "err", err)
		}
		z.held = nil
	}
}

// after records what a step or a manual change did: verdicts and the new delegation go to the
// state file and metrics; the lock taken for a change is released.
func (z *Zone) after(now time.Time, trs []failover.Transition, out *failover.Outcome) {
	defer z.release()
	zc := z.Config
	all := []string{zc.Primary.Provider, zc.Secondary.Provider}
	for _, tr := range trs {
		if tr.Provider == failover.ControllerName {
			z.c.metrics.SetCutOff(z.Name, tr.To == failover.CutOff)
			continue
		}
		z.c.metrics.SetUp(z.Name, tr.Provider, tr.To == failover.Up)
	}
	applied := out != nil && out.Applied
	if applied {
		z.c.metrics.SetDelegated(z.Name, all, z.engine.Current())
	}
	if len(trs) == 0 && !applied {
		return
	}
	err := z.c.opts.Store.Update(func(s *state.State) error {
		zs := s.Zone(z.Name)
		for _, tr := range trs {
			if tr.Provider == failover.ControllerName {
				continue
			}
			if zs.Verdicts == nil {
				zs.Verdicts = map[string]state.Verdict{}
			}
			zs.Verdicts[tr.Provider] = state.Verdict{Status: string(tr.To), Since: tr.At, Detail: tr.Reason}
		}
		if applied {
			zs.Delegation = out.Decision.Set.Names()
			cur := z.engine.Current()
			if slices.Equal(cur, z.engine.Normal()) {
				zs.Mode, zs.FailedProvider = state.ModeNormal, ""
			} else {
				zs.Mode = state.ModeFailedOver
				for _, p := range z.engine.Normal() {
					if !slices.Contains(cur, p) {
						zs.FailedProvider = p
					}
				}
			}
			if out.Decision.Kind == failover.Failover {
				zs.CountFailover(now)
			} else {
				zs.LastFailback = now
			}
		}
		return nil
	})
	if err != nil {
		z.c.log.Warn("state not updated", "zone", z.Name, "err", err)
	}
}

// ErrNoChange is returned by Failover and Failback when the delegation is already what the
// operation would make it.
var ErrNoChange = errors.New("nothing to change")

// ManualOptions modify a human's failover or failback.
type ManualOptions struct {
	Force  bool // preflight problems are reported, not refused
	DryRun bool // preflight only; the registrar is not called
}

// Failover removes provider from the delegation (switch: the other provider's set replaces
// it), with preflight, as `twinzone failover` does. It never calls a DNS provider's API.
func (z *Zone) Failover(ctx context.Context, provider string, o ManualOptions) (failover.Outcome, error) {
	d, err := z.engine.ManualFailover(provider)
	if err != nil {
		return failover.Outcome{}, fmt.Errorf("%s: %w", z.Name, err)
	}
	return z.manual(ctx, d, o)
}

// Failback restores the normal delegation, with preflight, as `twinzone failback` does.
func (z *Zone) Failback(ctx context.Context, o ManualOptions) (failover.Outcome, error) {
	return z.manual(ctx, z.engine.ManualFailback(), o)
}

func (z *Zone) manual(ctx context.Context, d failover.Decision, o ManualOptions) (failover.Outcome, error) {
	if d.Kind == failover.None {
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: %w: %s", z.Name, ErrNoChange, d.Reason)
	}
	if z.runner.Registrar == nil && !o.DryRun {
		if z.regErr != nil {
			return failover.Outcome{Decision: d}, fmt.Errorf("%s: registrar: %w", z.Name, z.regErr)
		}
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: no registrar configured: add `registrar:` to the zone in the config", z.Name)
	}
	req := failover.Request{Decision: d, Targets: z.engine.Targets(d), RequireInSync: z.Config.Failover.RequireInSync,
		ExpectedStamp: z.StampHash, Force: o.Force, DryRun: o.DryRun}
	if len(z.Parents) > 0 {
		ds, err := z.parentDS(ctx)
		if err != nil && !o.Force {
			return failover.Outcome{Decision: d}, fmt.Errorf("%s: cannot read the parent's DS records (use --force to go on without the DNSSEC check): %w", z.Name, err)
		}
		req.ParentDS = ds
	}
	out, err := z.runner.Execute(ctx, req)
	now := time.Now()
	if out.Applied {
		z.engine.Applied(now, d)
	}
	z.after(now, nil, &out)
	z.runner.Flush()
	return out, err
}

func durOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
