package sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
)

// converge applies p and verifies the result, as Sync documents. It returns the changes that
// took effect: those of the Apply calls that succeeded, and those a failed call reported
// (provider.PartialError).
func (r *run) converge(ctx context.Context, p *plan.Plan) (applied []plan.Change, err error) {
	// failed handles an Apply error: a transient one leads to a fresh read and plan, within
	// the target's retry budget; anything else ends the sync.
	failed := func(err error) (*plan.Plan, error) {
		if err := r.backoff(ctx, "apply", err); err != nil {
			return nil, err
		}
		r.log.Warn("apply failed, re-reading and re-planning", "retry", r.retries, "err", err)
		return r.plan(ctx)
	}
	for {
		records, stamp := p.Split()
		if len(records) > 0 {
			done, err := r.applyRecords(ctx, records)
			applied = append(applied, done...)
			if err != nil {
				if p, err = failed(err); err != nil {
					return applied, err
				}
				continue
			}
			// read back: every record change must be gone from a fresh plan
			if p, err = r.plan(ctx); err != nil {
				return applied, fmt.Errorf("verifying: %w", err)
			}
			if records, stamp = p.Split(); len(records) > 0 {
				return applied, notConverged(records)
			}
		}
		if stamp == nil {
			return applied, nil
		}
		if err := r.t.Provider.Apply(ctx, r.zone, []plan.Change{*stamp}); err != nil {
			err = fmt.Errorf("writing the sync stamp: %w", err)
			if p, err = failed(err); err != nil {
				return applied, err
			}
			continue
		}
		applied = append(applied, *stamp)
		if p, err = r.plan(ctx); err != nil {
			return applied, fmt.Errorf("verifying: %w", err)
		}
		if !p.Empty() {
			return applied, notConverged(p.Changes)
		}
		return applied, nil
	}
}

// applyRecords applies record changes phase by phase, batch by batch, stopping at the first
// error. It returns the changes in the calls that succeeded and those a failed call says took
// effect.
func (r *run) applyRecords(ctx context.Context, changes []plan.Change) ([]plan.Change, error) {
	var applied []plan.Change
	for _, phase := range phases(changes) {
		for _, b := range batches(phase, r.s.BatchSize) {
			if err := ctx.Err(); err != nil {
				return applied, context.Cause(ctx)
			}
			err := r.t.Provider.Apply(ctx, r.zone, b)
			done := b
			if err != nil {
				done = provider.AppliedBefore(err)
			}
			applied = append(applied, done...)
			if len(done) > 0 {
				r.log.Debug("applied", "changes", len(done), "total", len(applied))
				if r.s.Progress != nil {
					r.s.Progress(r.t.Name, len(applied), len(changes))
				}
			}
			if err != nil {
				return applied, fmt.Errorf("applying %d changes: %w", len(b), err)
			}
		}
	}
	return applied, nil
}

func notConverged(changes []plan.Change) error {
	return fmt.Errorf("%w: after writing, the provider still differs: %s", ErrNotConverged, Describe(changes, 5))
}

// Describe names changes ("create www.example.com. A, delete ..."), the first max of them and
// how many more.
func Describe(changes []plan.Change, max int) string {
	var names []string
	for i, c := range changes {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(changes)-max))
			break
		}
		names = append(names, c.Action.String()+" "+c.Key().String())
	}
	return strings.Join(names, ", ")
}
