package sync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// ErrNotTransferred marks a verify-only target (provider.ReadOnly) that does not serve the
// desired records and stamp once the writable targets are synced and its transfer timeout
// has passed: the transfer is slow, or the feed (NOTIFY, AXFR from the primary) is broken.
var ErrNotTransferred = errors.New("verify-only secondary is stale")

// Poll bounds of the wait for a verify-only target: first look soon (NOTIFY usually makes a
// secondary pull within a second), then back off so a slow one is not transferred from in a
// tight loop.
const (
	verifyFirstPoll = 250 * time.Millisecond
	verifyMaxPoll   = 5 * time.Second
)

func readOnly(p provider.Provider) (provider.ReadOnly, bool) {
	ro, ok := p.(provider.ReadOnly)
	return ro, ok
}

// verifyOne plans a verify-only target and, unless DryRun or it already serves the desired
// records, waits until fed reports how the writable targets ended, then re-plans it until the
// plan is empty or its TransferTimeout passes. It never writes to the target.
func (s *Syncer) verifyOne(ctx context.Context, t Target, ro provider.ReadOnly, desired []zone.RRset, st stamp.Stamp, o Options, fed func() error) Result {
	look := Options{DryRun: true, Force: true, NoStamp: o.NoStamp}
	first := s.syncOne(ctx, t, desired, st, look)
	if first.Plan != nil {
		first.Plan.VerifyOnly = true
	}
	gen := generation(st)
	if first.Err != nil && !o.DryRun && ctx.Err() == nil {
		// Stopped, unreachable, or refusing the transfer: nothing proves it serves the new
		// version, which a failover to it needs.
		first.Err = fmt.Errorf("%w: the secondary cannot be read, so nothing proves it serves generation %s: %w", ErrNotTransferred, gen, first.Err)
	}
	if first.Err != nil || first.Plan.Empty() || o.DryRun {
		return first
	}
	res := Result{Plan: first.Plan}
	if err := fed(); err != nil {
		res.Err = fmt.Errorf("%w: not waited for generation %s, which cannot reach it by transfer: %w", ErrNotTransferred, gen, err)
		return res
	}
	timeout := ro.TransferTimeout()
	s.logger().Info("waiting for the verify-only provider to transfer the zone", "provider", t.Name, "generation", gen, "timeout", timeout)
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := first
	for delay := verifyFirstPoll; ; delay = min(2*delay, verifyMaxPoll) {
		if err := sleep(wctx, delay); err != nil {
			break
		}
		r := s.syncOne(wctx, t, desired, st, look)
		if r.Err == nil && r.Plan.Empty() {
			return res
		}
		if r.Err != nil && wctx.Err() == nil && !transient(r.Err) {
			res.Err = fmt.Errorf("%w: generation %s: %w", ErrNotTransferred, gen, r.Err)
			return res
		}
		if wctx.Err() != nil {
			break
		}
		last = r
	}
	if err := ctx.Err(); err != nil {
		res.Err = fmt.Errorf("%w: generation %s: %w", ErrNotTransferred, gen, err)
		return res
	}
	res.Err = fmt.Errorf("%w: the secondary has not transferred generation %s within %v: %s (the transfer is slow, or its feed is broken: check that the primary sends it NOTIFY and allows it AXFR, and the primary address it transfers from; twinzone never writes it)",
		ErrNotTransferred, gen, timeout, serves(last))
	return res
}

// generation names st for messages: its generation (the zone file's SOA serial), or its
// short form when it has none.
func generation(st stamp.Stamp) string {
	if st.HasGeneration {
		return strconv.FormatUint(uint64(st.Generation), 10)
	}
	return st.Short()
}

// serves describes what a verify-only target served at its last look.
func serves(r Result) string {
	if r.Err != nil {
		return "its last read failed: " + r.Err.Error()
	}
	p := r.Plan
	n := 0
	var old *zone.RRset
	stampChanged := false
	for _, c := range p.Changes {
		if p.IsStamp(c) {
			stampChanged, old = true, c.Old
			continue
		}
		n++
	}
	what := ""
	switch {
	case !stampChanged:
		what = "it serves the new stamp"
	case old == nil:
		what = "it serves no sync stamp"
	default:
		if served, ok := servedStamp(p, old); ok {
			what = "it serves " + served.Short()
		} else {
			what = "it serves an unreadable sync stamp"
		}
	}
	if n > 0 {
		what += ", and " + strconv.Itoa(n) + " RRsets differ from the zone file"
	}
	return what
}

// servedStamp parses the stamp RRset old of plan p, through the plan's own reading.
func servedStamp(p *plan.Plan, old *zone.RRset) (stamp.Stamp, bool) {
	q := &plan.Plan{Origin: p.Origin, Changes: []plan.Change{{Action: plan.Update, Old: old, New: old}}}
	s, _, ok := q.StampChange()
	return s, ok
}
