package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

// watchedRegistrar notes (and prints) every delegation change before passing it on.
type watchedRegistrar struct {
	registrar.Registrar
	onCall func(set nameserver.Set)
}

func (w *watchedRegistrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	w.onCall(set)
	return w.Registrar.SetNameservers(ctx, domain, set)
}

// marks are the moments the hooks saw, for the summary.
type marks struct {
	mu        sync.Mutex
	down      time.Time // the tracker judged the primary down
	up        time.Time // ... up again
	call      time.Time // the last registrar call
	published time.Time // the parent published the last wanted set
}

func (m *marks) set(dst *time.Time, t time.Time) {
	m.mu.Lock()
	*dst = t
	m.mu.Unlock()
}

func (m *marks) get(src *time.Time) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *src
}

// setupControl builds the failover machinery from the loaded config exactly as a controller
// would: prober, tracker, engine, runner (real rfc2136 registrar, parent polling), controller.
func (s *story) setupControl() error {
	zc := s.lab.zc
	s.prober = &probe.Prober{Timeout: zc.Probe.Timeout, TCPEvery: zc.Probe.TCPEvery, Logger: s.o.Logger}
	s.targets = append(targetsOf(zc.Primary.Provider, zc.Primary.Nameservers), targetsOf(zc.Secondary.Provider, zc.Secondary.Nameservers)...)
	q, err := failover.ParseQuorum(zc.Probe.Quorum)
	if err != nil {
		return err
	}
	tracker, err := failover.NewTracker(failover.TrackerConfig{Providers: []string{zc.Primary.Provider, zc.Secondary.Provider},
		Quorum: q, FailAfter: zc.Probe.FailAfter, RecoverAfter: zc.Probe.RecoverAfter})
	if err != nil {
		return err
	}
	engine, err := failover.NewEngine(failover.EngineConfig{
		Policy: failover.Policy{Mode: failover.Mode(zc.Mode), Auto: zc.Failover.Auto, Cooldown: zc.Failover.Cooldown,
			MaxPerDay: zc.Failover.MaxPerDay, Failback: failover.FailbackPolicy(zc.Failover.Failback)},
		Primary: zc.Primary.Provider, Secondary: zc.Secondary.Provider,
		PrimarySet: zc.Primary.Nameservers, SecondarySet: zc.Secondary.Nameservers,
	})
	if err != nil {
		return err
	}
	reg, err := registrars.Open(context.Background(), s.lab.cfg.Registrars[zc.Registrar], s.o.Logger)
	if err != nil {
		return err
	}
	s.reg = &watchedRegistrar{Registrar: reg, onCall: func(set nameserver.Set) {
		s.marks.set(&s.marks.call, time.Now())
		s.tl.logf("registrar: signed UPDATE of %s at %s: %s NS -> %s", ParentZone, s.lab.parent.Addr(), Zone, strings.Join(set.Names(), " "))
	}}
	reader := &delegation.Reader{Timeout: 500 * time.Millisecond, Logger: s.o.Logger}
	s.runner = &failover.Runner{
		Zone:      Zone,
		Registrar: s.reg,
		Probe: func(ctx context.Context, provider string, set nameserver.Set) (probe.Round, error) {
			return s.prober.Round(ctx, targetsOf(provider, set), Zone, s.lab.hash, 1), nil
		},
		WaitParent: func(ctx context.Context, want []string) error {
			took, err := reader.WaitFor(ctx, s.lab.parentAddrs(), Zone, want, 50*time.Millisecond)
			if err != nil {
				return err
			}
			s.marks.set(&s.marks.published, time.Now())
			s.tl.logf("parent %s publishes %s NS %s (polled for %s)", ParentZone, Zone, strings.Join(want, " "), secs(took))
			return nil
		},
		ParentTimeout: zc.Failover.PropagationTimeout,
		Journal:       s.journal,
		Attempts:      3,
		Backoff:       200 * time.Millisecond,
		Logger:        s.o.Logger,
	}
	s.engine = engine
	s.tracker = tracker
	s.ctrl = &failover.Controller{Tracker: tracker, Engine: engine, Runner: s.runner,
		RequireInSync: zc.Failover.RequireInSync, ExpectedStamp: func() string { return s.lab.hash }}
	return nil
}

func targetsOf(provider string, set nameserver.Set) []probe.Target {
	var out []probe.Target
	for _, ns := range set {
		for _, a := range ns.Addrs {
			out = append(out, probe.Target{Provider: provider, Nameserver: ns.Name, Addr: a})
		}
	}
	return out
}

// journal prints the failover journal on the timeline and notes the verdict changes.
func (s *story) journal(ev failover.Event) {
	tr, ok := ev.Evidence.(failover.Transition)
	if ev.Kind != "verdict" || !ok {
		if held, ok := strings.CutPrefix(ev.Message, "held back: "); ok {
			s.tl.logf("engine: %s wanted, held back: %s", ev.Kind, held)
		} else {
			s.tl.logf("runner: %s", ev.Message)
		}
		return
	}
	if tr.Provider == s.lab.zc.Primary.Provider {
		switch tr.To {
		case failover.Down:
			s.marks.set(&s.marks.down, time.Now())
		case failover.Up:
			s.marks.set(&s.marks.up, time.Now())
		}
	}
	s.tl.logf("verdict %s: %s -> %s: %s%s", tr.Provider, tr.From, tr.To, tr.Reason, evidence(tr.Evidence))
}

// evidence renders failing probe results briefly: " (timeout on 127.0.0.1:41233)".
func evidence(rs []probe.Result) string {
	var parts []string
	for _, r := range rs {
		p := fmt.Sprintf("%s on %s", r.Reason, r.Addr)
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// watch runs probe rounds through the controller every probe interval. With until nil it
// returns after d; otherwise as soon as until is true, or with an error after d.
func (s *story) watch(ctx context.Context, d time.Duration, what string, until func(failover.StepResult) bool) error {
	deadline := time.Now().Add(d)
	t := time.NewTicker(s.lab.zc.Probe.Interval)
	defer t.Stop()
	for {
		round := s.prober.Round(ctx, s.targets, Zone, s.lab.hash, s.round)
		s.round++
		res := s.ctrl.Step(ctx, time.Now(), round)
		if until != nil && until(res) {
			return nil
		}
		if time.Now().After(deadline) {
			if until != nil {
				return fmt.Errorf("%s: not within %s", what, d)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}
