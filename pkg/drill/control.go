package drill

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/reconcile"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

// load writes and loads the config with the real loader.
func (d *drill) load() error {
	path := filepath.Join(d.lab.Dir, "twinzone.yaml")
	if err := os.WriteFile(path, []byte(configText(d.o, d.lab.Key.Name)), 0o600); err != nil {
		return err
	}
	cfg, err := config.LoadWith(path, providers.Types(), func(name string) (string, bool) {
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
		return fmt.Errorf("config has no zone %q", Zone)
	}
	d.cfg, d.zc = cfg, zc
	if d.want, err = zone.ParseFile(zc.File, zc.Name); err != nil {
		return err
	}
	return nil
}

// sync converges both providers on the zone file through the use case `twinzone sync` runs
// (reconcile.RunOnce: the zone's ignore rules and policies included).
func (d *drill) sync(ctx context.Context) error {
	open := func(ctx context.Context, name string) (provider.Provider, error) {
		return dnsproviders.Open(ctx, d.cfg.Providers[name], d.o.Logger)
	}
	res := reconcile.RunOnce(ctx, reconcile.Zone{Config: d.zc, Desired: d.want}, reconcile.Options{Open: open, Logger: d.o.Logger})
	if len(res.Errs) > 0 {
		return fmt.Errorf("sync: %w", errors.Join(res.Errs...))
	}
	for _, r := range res.Results {
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
		Config: d.cfg, Zones: []controller.ZoneSpec{{Config: d.zc, Desired: d.want}}, Store: st, Logger: d.o.Logger,
		OpenRegistrar: func(ctx context.Context, rc *config.Registrar, _ controller.ParentReader) (registrar.Registrar, error) {
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
			switch {
			case !r.Healthy():
				bad = append(bad, fmt.Sprintf("%s %s: %s %s", r.Provider, r.Addr, r.Reason, r.Detail))
			case r.Stamp.Hash != d.zone.Stamp().Hash:
				bad = append(bad, fmt.Sprintf("%s %s: stamp %s, want %s", r.Provider, r.Addr, r.Stamp.Short(), d.zone.Stamp().Short()))
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
