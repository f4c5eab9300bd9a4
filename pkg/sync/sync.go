// Package sync converges DNS providers to the desired records: for every target at once it
// reads the provider's records, plans, checks safety policies, applies the changes in a safe
// order, reads back and re-plans until nothing is left, and writes the sync stamp last.
package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	stdsync "sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// ErrNotConverged marks a sync whose read-back still differs from the desired records after
// every write succeeded (a provider that silently drops or rewrites data).
var ErrNotConverged = errors.New("provider did not converge")

// Syncer applies plans to providers. The zero value is ready to use; it is safe for concurrent
// use when its fields are not changed.
type Syncer struct {
	// Logger receives progress at Info and retries at Debug; nil discards.
	Logger *slog.Logger
	// Clock returns the current time (for Result.Duration); nil means time.Now.
	Clock func() time.Time
	// Retry bounds retries of transient errors per target (reads, and apply rounds after a
	// failed write, share one budget); errors marked provider.ErrGaveUp are never retried.
	Retry RetryPolicy
	// BatchSize caps the changes given to one Apply call; 0 gives each phase to the provider in
	// one call and lets it batch by its own limits.
	BatchSize int
	// Progress, when set, is called after every successful Apply call with the changes applied
	// so far and the total for that target (the stamp aside). It is called from the targets'
	// goroutines concurrently, and must be quick.
	Progress func(target string, applied, total int)
}

// Target is one provider to converge.
type Target struct {
	Name     string // provider name from the config, for results and logs
	Provider provider.Provider
	// Options for plan.Calculate. Origin is required unless desired holds the SOA. When Traits
	// is the zero value and the provider is a provider.Describer, its Traits are used; keys the
	// provider reports through provider.Unmanaged are added to Unmanaged. Stamp, when
	// zero, is set to plan.StampOf(desired) unless Options.NoStamp.
	Options plan.Options
	// Desired, when not nil, is what this target serves instead of Sync's desired records (the
	// other provider of a zone whose Cloudflare names are proxied); the stamp still hashes
	// Sync's desired, so both providers carry the same generation.
	Desired []zone.RRset
}

// Options change what Sync does.
type Options struct {
	DryRun   bool          // plan only, write nothing
	Force    bool          // skip the safety policies
	Policies []plan.Policy // nil means plan.DefaultPolicies()
	NoStamp  bool          // do not write the sync stamp
}

// Result is the outcome for one target.
type Result struct {
	Target  string
	Plan    *plan.Plan // the plan computed from the first read; nil when planning failed
	Applied int        // len(Written)
	// Written lists the changes that took effect, in the order written (the stamp last, when
	// written): also when Err is set, an interrupted or failed sync included, from the
	// provider's own account (provider.PartialError) when it was cut within one Apply call.
	Written  []plan.Change
	Err      error // nil when the provider converged (or, with DryRun, when planning worked)
	Duration time.Duration
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s.Logger
}

func (s *Syncer) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// Sync converges every target to desired, all targets in parallel: one failing never stops
// the others. Results are in the order of targets. desired is not modified.
//
// Per target: read the records (transient errors retried with backoff), plan, check the
// policies (unless Force), stop here on DryRun, apply the record changes in phases (see
// phases), read back and re-plan: a change left is ErrNotConverged. After a failed Apply the
// records are read again and re-planned instead of retrying blindly, for transient errors and
// within the target's Retry budget. Only when every record change succeeded and verified is the
// stamp written, in its own Apply call, and verified too.
//
// A target whose provider is provider.ReadOnly (a verify-only secondary) is planned, never
// written: unless DryRun, once the other targets are done it is re-read until it serves the
// desired records and stamp, for at most its TransferTimeout; otherwise its Err wraps
// ErrNotTransferred.
func (s *Syncer) Sync(ctx context.Context, targets []Target, desired []zone.RRset, opts Options) []Result {
	results := make([]Result, len(targets))
	var st stamp.Stamp
	if !opts.NoStamp {
		st = plan.StampOf(desired)
	}
	// Verify-only targets (provider.ReadOnly) are never written: they wait for the writable
	// ones, whose data reaches them by zone transfer.
	var wg, writers stdsync.WaitGroup
	written := make(chan struct{})
	fed := func() error {
		<-written
		var errs []error
		n := 0
		for i, t := range targets {
			if _, ro := readOnly(t.Provider); !ro {
				n++
				errs = append(errs, results[i].Err)
			}
		}
		if n == 0 {
			return errors.New("no provider of the zone that twinzone writes was synced")
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("the zone's writable provider did not converge (%w)", err)
		}
		return nil
	}
	for i, t := range targets {
		ro, isRO := readOnly(t.Provider)
		g := &writers
		if isRO {
			g = &wg
		}
		g.Go(func() {
			start := s.now()
			var r Result
			if isRO {
				r = s.verifyOne(ctx, t, ro, desired, st, opts, fed)
			} else {
				r = s.syncOne(ctx, t, desired, st, opts)
			}
			r.Target = t.Name
			r.Duration = s.now().Sub(start)
			if r.Err != nil && r.Applied > 0 {
				// Said in the error itself, so the printed summary and the journal tell what the
				// provider holds now (an interrupt or failure half-way).
				r.Err = fmt.Errorf("%d %s applied before the error (%s): %w", r.Applied, plural(r.Applied, "change", "changes"), Describe(r.Written, 5), r.Err)
			}
			if r.Err != nil {
				r.Err = fmt.Errorf("%s: %w", t.Name, r.Err)
				s.logger().Warn("sync failed", "provider", t.Name, "applied", r.Applied, "err", r.Err)
			} else {
				s.logger().Info("sync done", "provider", t.Name, "applied", r.Applied, "dry_run", opts.DryRun, "duration", r.Duration)
			}
			results[i] = r
		})
	}
	writers.Wait()
	close(written)
	wg.Wait()
	return results
}

// run is one target's sync state.
type run struct {
	s       *Syncer
	t       Target
	opts    plan.Options
	desired []zone.RRset
	zone    string
	log     *slog.Logger
	retries int // retries taken from Syncer.Retry, for the whole target
}

func (s *Syncer) syncOne(ctx context.Context, t Target, desired []zone.RRset, st stamp.Stamp, o Options) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			res.Err = fmt.Errorf("panic during sync: %v", v)
		}
	}()
	if t.Provider == nil {
		return Result{Err: errors.New("no provider")}
	}
	if t.Desired != nil {
		desired = t.Desired
	}
	r := &run{s: s, t: t, opts: t.Options, desired: desired, log: s.logger().With("provider", t.Name)}
	r.opts.Provider = t.Name
	if r.opts.Stamp.IsZero() {
		r.opts.Stamp = st
	}
	if d, ok := t.Provider.(provider.Describer); ok && zeroTraits(r.opts.Traits) {
		r.opts.Traits = d.Traits()
	}
	r.zone = r.opts.Origin
	if r.zone == "" {
		for _, rs := range desired {
			if rs.Type == dns.TypeSOA {
				r.zone = rs.Name
				break
			}
		}
	}
	if r.zone == "" {
		return Result{Err: errors.New("no zone origin: set Target.Options.Origin or include the SOA")}
	}
	r.zone = strings.ToLower(r.zone)
	r.opts.Origin = r.zone
	if u, ok := t.Provider.(provider.Unmanaged); ok {
		var list []provider.UnmanagedRRset
		err := r.retry(ctx, "unmanaged", func() (err error) { list, err = u.Unmanaged(ctx, r.zone); return err })
		if err != nil {
			return Result{Err: fmt.Errorf("listing unmanaged records: %w", err)}
		}
		r.opts.Unmanaged = append(r.opts.Unmanaged[:len(r.opts.Unmanaged):len(r.opts.Unmanaged)], keysOf(list)...)
		reasons := make(map[zone.Key]string, len(list)+len(r.opts.UnmanagedReasons))
		for k, v := range r.opts.UnmanagedReasons {
			reasons[k] = v
		}
		for _, u := range list {
			reasons[u.Key] = u.Reason
		}
		r.opts.UnmanagedReasons = reasons
	}

	p, err := r.plan(ctx)
	if err != nil {
		return Result{Err: err}
	}
	res.Plan = p
	r.log.Info("planned", "create", p.Counts.Create, "update", p.Counts.Update, "delete", p.Counts.Delete, "existing", p.Existing)
	if v, ok := t.Provider.(provider.Validator); ok && !p.Empty() {
		// Refused whole before the first write: a provider rule broken half-way through the
		// batches would leave the zone half-synced.
		if err := v.Validate(ctx, r.zone, p); err != nil {
			res.Err = fmt.Errorf("%w: %w", plan.ErrPlan, err)
			return res
		}
	}
	if !o.Force {
		pols := o.Policies
		if pols == nil {
			pols = plan.DefaultPolicies()
		}
		if err := plan.Check(p, pols...); err != nil {
			res.Err = err
			return res
		}
	}
	if o.DryRun || p.Empty() {
		return res
	}
	res.Written, res.Err = r.converge(ctx, p)
	res.Applied = len(res.Written)
	return res
}

func keysOf(list []provider.UnmanagedRRset) []zone.Key {
	out := make([]zone.Key, len(list))
	for i, u := range list {
		out[i] = u.Key
	}
	return out
}

func zeroTraits(t plan.Traits) bool {
	return t.Types == nil && t.MinTTL == 0 && t.MaxTTL == 0 && t.AutoTTL == 0 && !t.ApexNSManaged
}

// plan reads the provider's records (with retries) and plans against them.
func (r *run) plan(ctx context.Context) (*plan.Plan, error) {
	var cur []zone.RRset
	err := r.retry(ctx, "records", func() (err error) {
		cur, err = r.t.Provider.Records(ctx, r.zone)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading records: %w", err)
	}
	desired := r.desired
	if sh, ok := r.t.Provider.(provider.Shaper); ok {
		desired = sh.Shape(r.zone, desired)
	}
	p, err := plan.Calculate(desired, cur, r.opts)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
