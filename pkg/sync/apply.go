package sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/twinzone/twinzone/pkg/plan"
)

// converge applies p and verifies the result, as Sync documents. It returns the number of
// changes whose Apply call succeeded.
func (r *run) converge(ctx context.Context, p *plan.Plan) (applied int, err error) {
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
			n, err := r.applyRecords(ctx, records)
			applied += n
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
		applied++
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
// error. It returns the number of changes in the calls that succeeded.
func (r *run) applyRecords(ctx context.Context, changes []plan.Change) (int, error) {
	applied := 0
	for _, phase := range phases(changes) {
		for _, b := range batches(phase, r.s.BatchSize) {
			if err := ctx.Err(); err != nil {
				return applied, context.Cause(ctx)
			}
			if err := r.t.Provider.Apply(ctx, r.zone, b); err != nil {
				return applied, fmt.Errorf("applying %d changes: %w", len(b), err)
			}
			applied += len(b)
			r.log.Debug("applied", "changes", len(b), "total", applied)
			if r.s.Progress != nil {
				r.s.Progress(r.t.Name, applied, len(changes))
			}
		}
	}
	return applied, nil
}

func notConverged(changes []plan.Change) error {
	var names []string
	for i, c := range changes {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(changes)-5))
			break
		}
		names = append(names, c.Action.String()+" "+c.Key().String())
	}
	return fmt.Errorf("%w: after writing, the provider still differs: %s", ErrNotConverged, strings.Join(names, ", "))
}
