package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/state"
)

// Zone is one controlled zone.
type Zone struct {
	Name   string // absolute, lower-case
	Config *config.Zone
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
	// fleetHealth is the fleet's last verdict per provider (fleet mode only; fleet.go).
	fleetHealth map[string]failover.Health
	// parentNS is the NS set the parent's servers published at the latest observation (nil:
	// unread); a fleet member publishes it with its view.
	parentNS []string
	runner   *failover.Runner
	reg      registrar.Registrar
	regErr   error
	desired  *desiredFile
	round    int

	// What the loop reported last (reported again only when it changes).
	seen     []string      // delegated providers observed last round
	seenBy   string        // why they were delegated (parent, in-flight change, ...)
	hold     failover.Hold // the hold-back reported last
	stampMsg string        // the stamp verdict reported last
	oddSet   string        // an unmappable NS set at the parent, reported last
	own      map[string]bool
	verdicts map[string]state.Verdict

	mu              sync.Mutex
	snap            Snapshot
	stamps          stampView
	pendingFailover *config.Failover // a reloaded failover section, applied at the next round
}

// Snapshot is what a zone's loop last saw, safe to read from any goroutine.
type Snapshot struct {
	LastRound time.Time                  `json:"last_round"`
	Busy      bool                       `json:"busy"` // a step (maybe a delegation change) is in progress
	Verdicts  map[string]failover.Health `json:"verdicts"`
	Delegated []string                   `json:"delegated"`
	// Behind is set while a provider serves a newer zone version than the controller's file.
	Behind bool `json:"behind,omitempty"`
}

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
		z.snap.Behind = z.stamps.behind
	}
	z.mu.Unlock()
}

func (c *Controller) newZone(ctx context.Context, spec ZoneSpec) (*Zone, error) {
	zc := spec.Config
	z := &Zone{Name: zc.Name, Config: zc, c: c, own: map[string]bool{}, verdicts: map[string]state.Verdict{}}
	var err error
	if z.desired, err = newDesiredFile(zc, spec.Desired); err != nil {
		return nil, err
	}
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
		if z.ParentErr != nil {
			c.log.Warn("parent servers unknown: the delegation cannot be read or confirmed", "zone", zc.Name, "err", z.ParentErr)
		}
		if zc.Registrar != "" {
			z.reg, z.regErr = c.openRegistrar(ctx, z)
			if z.regErr != nil {
				c.log.Warn("registrar cannot be opened: failover is impossible", "zone", zc.Name, "err", z.regErr)
			}
		}
	}
	z.runner = &failover.Runner{
		Zone: zc.Name, Registrar: z.reg, Probe: z.probeSet, QueryDNSKEY: z.prober.DNSKEY,
		ParentTimeout: zc.Failover.PropagationTimeout, Backoff: c.opts.RegistrarBackoff, Logger: c.log,
		Journal: z.journal, Metrics: z.observeOutcome,
	}
	if len(z.Parents) > 0 {
		z.runner.WaitParent = z.waitParent
	}
	if c.opts.Config.Controller.Webhook.IsSet() {
		z.runner.Webhook = c.webhook
	}
	z.ctrl = &failover.Controller{Tracker: z.tracker, Engine: z.engine, Runner: z.runner,
		RequireInSync: zc.Failover.RequireInSync, RetryEvery: durOr(c.opts.RetryEvery, zc.Failover.RetryEvery),
		ExpectedStamp: z.expectedStamp, Change: z.autoChange}
	if c.opts.Fleet != nil {
		z.ctrl.Aggregate = z.fleetAggregate
	}
	if !c.opts.ProbeOnly {
		z.start(ctx)
	}
	c.metrics.InitZone(z.Name, z.providers())
	c.metrics.SetBlocked(z.Name, "", holdNames())
	c.metrics.SetDelegated(z.Name, z.providers(), z.engine.Current())
	return z, nil
}

func (c *Controller) openRegistrar(ctx context.Context, z *Zone) (registrar.Registrar, error) {
	rc, ok := c.opts.Config.Registrars[z.Config.Registrar]
	if !ok {
		return nil, fmt.Errorf("registrar %q is not defined", z.Config.Registrar)
	}
	if c.opts.OpenRegistrar == nil {
		return nil, errors.New("no registrar opener (controller.Options.OpenRegistrar)")
	}
	return c.opts.OpenRegistrar(ctx, rc, func(ctx context.Context, domain string) ([]string, error) {
		if len(z.Parents) == 0 {
			return nil, fmt.Errorf("parent servers unknown: %w", z.ParentErr)
		}
		d, err := c.reader.Delegation(ctx, z.Parents, domain)
		return d.NS, err
	})
}

func (z *Zone) providers() []string {
	return []string{z.Config.Primary.Provider, z.Config.Secondary.Provider}
}

// Engine returns the zone's failover engine (read-only use: Current, Health, Normal).
func (z *Zone) Engine() *failover.Engine { return z.engine }

// Tracker returns the zone's verdict tracker.
func (z *Zone) Tracker() *failover.Tracker { return z.tracker }

// Registrar returns the zone's registrar and the error that kept it from opening.
func (z *Zone) Registrar() (registrar.Registrar, error) { return z.reg, z.regErr }

// Stamp returns the sync stamp of the zone file the controller holds now.
func (z *Zone) Stamp() stamp.Stamp { return z.desired.current().stamp }

// Delegation reads the delegation the parent's servers publish now.
func (z *Zone) Delegation(ctx context.Context) (delegation.Delegation, error) {
	if len(z.Parents) == 0 {
		return delegation.Delegation{Zone: z.Name}, fmt.Errorf("%s: parent servers unknown: %w", z.Name, z.ParentErr)
	}
	return z.c.reader.Delegation(ctx, z.Parents, z.Name)
}

// Probe runs one probe round on both providers' addresses and the control targets, stamped
// with now; it does not feed the tracker. Stamps are read, not judged: staleness is the
// controller's verdict (stamps.go), never a reason to call a provider down.
func (z *Zone) Probe(ctx context.Context, now time.Time) probe.Round {
	z.round++
	r := z.prober.Round(ctx, z.Targets, z.Name, stamp.Stamp{}, z.round)
	if len(z.c.control) > 0 {
		cr := z.prober.Round(ctx, z.c.control, ".", stamp.Stamp{}, z.round)
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

// probeSet is the Runner's preflight probe of one provider's (resolved) set, judged against
// the newest zone version known.
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
	return z.prober.Round(ctx, ts, z.Name, z.expectedStamp(), 1), nil
}

func (z *Zone) waitParent(ctx context.Context, want []string) error {
	_, err := z.c.reader.WaitFor(ctx, z.Parents, z.Name, want, durOr(z.c.opts.ParentPoll, DefaultParentPoll))
	return err
}

func (z *Zone) journal(ev failover.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := z.c.hist.Append(ctx, state.Event(ev)); err != nil {
		z.c.log.Warn("journal not written", "zone", z.Name, "kind", ev.Kind, "err", err)
	}
}

func (z *Zone) observeOutcome(out failover.Outcome) {
	if out.Applied {
		z.c.metrics.Failover(z.Name, string(out.Decision.Kind))
	}
}
