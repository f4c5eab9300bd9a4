package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
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

// marks are the moments the demo saw, for the summary.
type marks struct {
	mu        sync.Mutex
	pending   []pendingLine // registrar calls, printed after the verdict that caused them
	down      time.Time     // the tracker judged the primary down
	up        time.Time     // ... up again
	call      time.Time     // the last registrar call
	published time.Time     // the parent published the last wanted set
}

type pendingLine struct {
	at   time.Time
	text string
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

// setupControl builds the controller of `twinzone run` (pkg/controller) on the loaded config
// and the demo's state directory. The only thing added is a watch on the registrar calls.
func (s *story) setupControl(ctx context.Context) error {
	st, err := state.Open(s.lab.cfg.StateDir, state.WithLogger(s.o.Logger))
	if err != nil {
		return err
	}
	s.store = st
	s.ctl, err = controller.New(ctx, controller.Options{
		Config: s.lab.cfg,
		Zones:  []controller.ZoneSpec{{Config: s.lab.zc, Desired: s.lab.desired}},
		Store:  st,
		Logger: s.o.Logger,
		OpenRegistrar: func(ctx context.Context, rc *config.Registrar, _ controller.ParentReader) (registrar.Registrar, error) {
			reg, err := registrars.Open(ctx, rc, s.o.Logger)
			if err != nil {
				return nil, err
			}
			return &watchedRegistrar{Registrar: reg, onCall: func(set nameserver.Set) {
				now := time.Now()
				text := fmt.Sprintf("registrar: signed UPDATE of %s at %s: %s NS -> %s", ParentZone, s.lab.parent.Addr(), Zone, strings.Join(set.Names(), " "))
				s.marks.mu.Lock()
				s.marks.call = now
				s.marks.pending = append(s.marks.pending, pendingLine{now, text})
				s.marks.mu.Unlock()
			}}, nil
		},
		Listen:           "-",
		ParentPoll:       50 * time.Millisecond,
		RegistrarBackoff: 200 * time.Millisecond,
		RetryEvery:       time.Second,
		LockTimeout:      10 * time.Second,
	})
	if err != nil {
		return err
	}
	z, ok := s.ctl.Zone(Zone)
	if !ok {
		return fmt.Errorf("controller has no zone %s", Zone)
	}
	if z.ParentErr != nil {
		return fmt.Errorf("parent servers: %w", z.ParentErr)
	}
	if _, err := z.Registrar(); err != nil {
		return fmt.Errorf("registrar: %w", err)
	}
	s.zone = z
	return nil
}

// flush prints the registrar calls noted since the last flush, at the times they were made.
func (s *story) flush() {
	s.marks.mu.Lock()
	lines := s.marks.pending
	s.marks.pending = nil
	s.marks.mu.Unlock()
	for _, l := range lines {
		s.tl.logAt(l.at, "%s", l.text)
	}
}

// report prints what one controller step saw and did. A verdict is stamped with the moment
// its deciding round finished (the last probe result came back or timed out).
func (s *story) report(res failover.StepResult, round probe.Round) {
	for _, tr := range res.Transitions {
		at := roundEnd(round)
		if tr.Provider == s.lab.zc.Primary.Provider {
			switch tr.To {
			case failover.Down:
				s.marks.set(&s.marks.down, at)
			case failover.Up:
				s.marks.set(&s.marks.up, at)
			}
		}
		s.tl.logAt(at, "verdict %s: %s -> %s: %s%s", tr.Provider, tr.From, tr.To, tr.Reason, evidence(tr.Evidence))
	}
	if b := res.Decision.Blocked; b != "" && b != s.lastBlocked {
		s.tl.logf("engine: %s wanted, held back: %s", res.Decision.Wanted, b)
	}
	s.lastBlocked = res.Decision.Blocked
	if res.Outcome != nil {
		s.outcome(*res.Outcome, res.Err)
	}
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

// outcome prints what the runner did with a delegation change.
func (s *story) outcome(out failover.Outcome, err error) {
	s.flush()
	if out.ParentConfirmed {
		s.marks.set(&s.marks.published, out.Finished)
		s.tl.logAt(out.Finished, "parent %s publishes %s NS %s (runner polled the parent; change took %s)",
			ParentZone, Zone, strings.Join(out.Decision.Set.Names(), " "), secs(out.Finished.Sub(out.Started)))
	}
	switch {
	case err != nil:
		s.tl.logf("runner: %s to %v not made: %v", out.Decision.Kind, out.Decision.Providers, err)
	case out.ParentError != "":
		s.tl.logf("runner: %s to %v made, but the parent does not publish it: %s", out.Decision.Kind, out.Decision.Providers, out.ParentError)
	default:
		s.tl.logf("runner: %s done: delegated providers now %v (preflight ok, %d registrar attempt(s))",
			out.Decision.Kind, out.Decision.Providers, out.Attempts)
	}
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

// watch runs controller rounds (controller.RunOnce) every probe interval. With until nil it
// returns after d; otherwise as soon as until is true, or with an error after d.
func (s *story) watch(ctx context.Context, d time.Duration, what string, until func(failover.StepResult) bool) error {
	deadline := time.Now().Add(d)
	t := time.NewTicker(s.lab.zc.Probe.Interval)
	defer t.Stop()
	for {
		steps := s.ctl.RunOnce(ctx, time.Now())
		if len(steps) != 1 {
			return fmt.Errorf("%s: controller ran %d zones, want 1", what, len(steps))
		}
		res := steps[0].Result
		s.report(res, s.zone.Last)
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

// manual carries out `twinzone failback` through the controller (preflight, registrar,
// parent polling, state file, journal).
func (s *story) manualFailback(ctx context.Context) error {
	out, err := s.zone.Failback(ctx, controller.ManualOptions{})
	s.outcome(out, err)
	if err != nil {
		return err
	}
	if !out.ParentConfirmed {
		return fmt.Errorf("the parent does not publish %v: %s", out.Decision.Set.Names(), out.ParentError)
	}
	return nil
}
