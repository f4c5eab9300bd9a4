package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/state"
)

// ErrNoChange is returned by Failover and Failback when the delegation is already what the
// operation would make it.
var ErrNoChange = errors.New("nothing to change")

// ManualOptions modify a human's failover or failback.
type ManualOptions struct {
	Force  bool // preflight problems are reported, not refused
	DryRun bool // preflight only; the registrar is not called
}

// Failover removes provider from the delegation (switch: the other provider's set replaces
// it), with preflight, as `twinzone failover` does. It never calls a DNS provider's API. It is
// journalled and visible to every controller, but it is not an automatic failover: it does not
// count toward max_per_day.
func (z *Zone) Failover(ctx context.Context, provider string, o ManualOptions) (failover.Outcome, error) {
	return z.change(ctx, z.c.now(), false, o, func(time.Time) (failover.Decision, error) { return z.engine.ManualFailover(provider) })
}

// Failback restores the normal delegation, with preflight, as `twinzone failback` does.
func (z *Zone) Failback(ctx context.Context, o ManualOptions) (failover.Outcome, error) {
	return z.change(ctx, z.c.now(), false, o, func(time.Time) (failover.Decision, error) { return z.engine.ManualFailback(), nil })
}

// autoChange is the failover.Controller's Change: the engine's own decision, re-decided
// against fresh history under the lease.
func (z *Zone) autoChange(ctx context.Context, now time.Time, _ failover.Request) (failover.Outcome, error) {
	return z.change(ctx, now, true, ManualOptions{}, func(now time.Time) (failover.Decision, error) {
		d := z.engine.Decide(now)
		if d.Blocked != "" {
			return d, &failover.HeldError{Hold: d.Hold, Reason: d.Blocked}
		}
		return d, nil
	})
}

// change is the one path of every delegation change, automatic or manual (they differ by
// auto, Force and DryRun only): take the lease; observe the delegation and the shared history
// again (another process may have acted while we waited) and decide again with decide; record
// the intent; run the preflight and the registrar (failover.Runner); record the outcome;
// release the lease. The lease is held until the parent publishes the new set (or
// failover.propagation_timeout): nobody else acts on a delegation that is still moving.
func (z *Zone) change(ctx context.Context, now time.Time, auto bool, o ManualOptions,
	decide func(now time.Time) (failover.Decision, error)) (failover.Outcome, error) {
	lctx, cancel := context.WithTimeout(ctx, durOr(z.c.opts.LockTimeout, DefaultLockTimeout))
	lease, err := z.c.hist.Acquire(lctx, z.Name)
	cancel()
	if err != nil {
		return failover.Outcome{}, fmt.Errorf("%s: state lock: %w (a sync or another twinzone holds it; the change is retried)", z.Name, err)
	}
	defer func() {
		if err := lease.Unlock(); err != nil {
			z.c.log.Warn("state unlock", "zone", z.Name, "err", err)
		}
	}()
	obs := z.observe(ctx, now)
	if last, ok := obs.hist.Last(); ok && last.Abandoned() {
		// We hold the lease, so its writer is gone.
		z.settle(ctx, lease, last, obs.parentNS, nil, now)
		obs = z.observe(ctx, now)
	}
	d, err := decide(now)
	if err != nil {
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: %w", z.Name, err)
	}
	if d.Kind == failover.None {
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: %w: %s", z.Name, ErrNoChange, d.Reason)
	}
	if z.reg == nil && !o.DryRun {
		if z.regErr != nil {
			return failover.Outcome{Decision: d}, fmt.Errorf("%s: registrar: %w", z.Name, z.regErr)
		}
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: no registrar configured: add `registrar:` to the zone in the config", z.Name)
	}
	req := failover.Request{Decision: d, Targets: z.engine.Targets(d), RequireInSync: z.Config.Failover.RequireInSync,
		ExpectedStamp: z.expectedStamp(), ParentDS: obs.parentDS, Force: o.Force, DryRun: o.DryRun, Guard: leaseGuard(lease)}
	if len(z.Parents) > 0 && obs.parentErr != nil && !o.Force {
		err := fmt.Errorf("%w: cannot read the parent's DS records (use --force to go on without the DNSSEC check): %v", failover.ErrPreflight, obs.parentErr)
		return failover.Outcome{Decision: d, Error: err.Error()}, fmt.Errorf("%s: %w", z.Name, err)
	}
	if o.DryRun {
		out, err := z.runner.Execute(ctx, req)
		z.runner.Flush()
		return out, err
	}
	ch, err := z.c.hist.BeginChange(ctx, lease, state.Change{Zone: z.Name, Kind: string(d.Kind), Auto: auto,
		Providers: d.Providers, Nameservers: d.Set.Names(), Reason: d.Reason, Started: now,
		Deadline: now.Add(z.Config.Failover.PropagationTimeout)})
	if err != nil {
		return failover.Outcome{Decision: d}, fmt.Errorf("%s: the intent could not be recorded, the registrar was not asked: %w", z.Name, err)
	}
	z.own[ch.ID] = true
	out, err := z.runner.Execute(ctx, req)
	ch.Finished, ch.Applied, ch.Confirmed, ch.Error = z.c.now(), out.Applied, out.ParentConfirmed, out.Error
	// Recorded even when ctx ended (SIGTERM during the parent poll): the change was made.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	if e := z.c.hist.EndChange(ectx, lease, ch); e != nil {
		z.c.log.Warn("outcome of the delegation change not recorded", "zone", z.Name, "change", ch.ID, "err", e)
	}
	cancel()
	if out.Applied {
		z.engine.SetCurrent(d.Providers)
		z.seen, z.seenBy = z.engine.Current(), "this controller's change"
		z.c.metrics.SetDelegated(z.Name, z.providers(), z.engine.Current())
		if !slices.Equal(z.engine.Current(), d.Providers) {
			z.c.log.Warn("delegated providers differ from the decision", "zone", z.Name, "want", d.Providers, "have", z.engine.Current())
		}
	}
	if !auto {
		z.runner.Flush() // a CLI command exits next: let its webhook go out
	}
	return out, err
}
