package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/state"
)

// observation is what one round saw of the delegation and the shared history.
type observation struct {
	hist      state.ZoneHistory
	histErr   error
	parentNS  []string // what the parent's servers publish (nil when unread)
	parentDS  []*dns.DS
	parentErr error
	// effective are the providers the engine decides from, and source says why: the parent's
	// servers, or a change still in flight (its set counts until the parent publishes it or
	// failover.propagation_timeout passes: no second flip while the parent catches up).
	effective []string
	source    string
	cause     *state.Change // the latest change, if it explains effective
}

// observe reads the shared history and the delegation at the parent, and sets the engine's
// current delegation and guard history from them. It is called before every decision.
func (z *Zone) observe(ctx context.Context, now time.Time) observation {
	var o observation
	o.hist, o.histErr = z.c.hist.ZoneHistory(ctx, z.Name)
	if len(z.Parents) > 0 {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		d, err := z.c.reader.Delegation(pctx, z.Parents, z.Name)
		cancel()
		if err == nil {
			o.parentNS, o.parentDS = state.NormalizeNames(d.NS), d.DS
		} else {
			o.parentErr = err
		}
	} else {
		o.parentErr = fmt.Errorf("parent servers unknown: %v", z.ParentErr)
	}
	last, hasLast := o.hist.Last()
	published := hasLast && slices.Equal(o.parentNS, state.NormalizeNames(last.Nameservers))
	switch {
	case hasLast && last.Pending(now) && !published:
		o.effective, o.source = z.engine.ProvidersOf(last.Nameservers), "change in flight ("+last.Kind+" by "+last.Holder+")"
		o.cause = &last
	case len(z.engine.ProvidersOf(o.parentNS)) > 0:
		o.effective, o.source = z.engine.ProvidersOf(o.parentNS), "parent"
		if published {
			o.cause = &last
		}
	case len(z.engine.ProvidersOf(o.hist.Observed.Delegation)) > 0:
		o.effective, o.source = z.engine.ProvidersOf(o.hist.Observed.Delegation), "last observed (the parent cannot be read)"
	default:
		o.effective, o.source = z.engine.Current(), "assumed (neither the parent nor the history tells)"
	}
	z.engine.SetCurrent(o.effective)
	z.engine.SetRecord(recordOf(o.hist, o.parentNS, now))
	z.parentNS = o.parentNS
	return o
}

// recordOf is the guard history of h: changes that changed the delegation (see
// state.Change.Counts), and those still in flight (counted, so a crash between the registrar
// and the record never buys a second automatic change).
func recordOf(h state.ZoneHistory, observed []string, now time.Time) failover.Record {
	// The daily cap is held against today's count, the one state.History defines.
	rec := failover.Record{AutoFailovers: map[string]int{now.UTC().Format(time.DateOnly): h.AutoFailoversOn(now, observed)}}
	for _, c := range h.Changes {
		if !c.Guarded(observed, now) {
			continue
		}
		if !c.Auto {
			if c.Started.After(rec.LastManual) {
				rec.LastManual = c.Started
			}
			continue
		}
		if c.Started.After(rec.LastAuto) {
			rec.LastAuto = c.Started
		}
	}
	return rec
}

// report tells (log, journal, webhook, metric) what changed in the delegation since the last
// round, and who changed it as far as the history says: this process, another twinzone
// process (a human's `failover`/`failback`, another controller), or nobody twinzone knows
// (the registrar's web UI, an nsupdate by hand).
func (z *Zone) report(now time.Time, o observation) {
	if o.histErr != nil {
		z.c.log.Warn("shared history unreadable: cooldown and daily cap are judged without it", "zone", z.Name, "err", o.histErr)
	}
	odd := ""
	if o.parentNS != nil && len(z.engine.ProvidersOf(o.parentNS)) == 0 {
		odd = strings.Join(o.parentNS, " ")
	}
	if odd != z.oddSet {
		z.oddSet = odd
		if odd != "" {
			z.c.log.Warn("the parent publishes an NS set that holds neither provider's whole set: the controller keeps deciding from the last set it could map",
				"zone", z.Name, "nameservers", o.parentNS, "assumed", o.effective)
		}
	}
	prev := z.seen
	z.seen, z.seenBy = o.effective, o.source
	z.c.metrics.SetDelegated(z.Name, z.providers(), o.effective)
	if prev == nil || slices.Equal(prev, o.effective) {
		return
	}
	by, who := "outside", "outside twinzone (at the registrar or by hand)"
	if o.cause != nil {
		switch {
		case z.own[o.cause.ID]:
			by, who = "this_process", "this controller"
		case o.cause.Auto:
			by, who = "other_process", "another controller ("+o.cause.Holder+")"
		default:
			by, who = "other_process", "a manual "+o.cause.Kind+" ("+o.cause.Holder+")"
		}
	}
	z.c.metrics.DelegationChanged(z.Name, by)
	if by == "this_process" {
		return // logged by the change itself
	}
	msg := fmt.Sprintf("delegation changed by %s: %s -> %s", who, strings.Join(prev, "+"), strings.Join(o.effective, "+"))
	z.c.log.Warn("delegation changed", "zone", z.Name, "by", by, "from", prev, "to", o.effective, "source", o.source, "nameservers", o.parentNS)
	z.runner.Notify(failover.Event{Time: now, Kind: "delegation", Message: msg,
		Evidence: map[string]any{"by": by, "from": prev, "to": o.effective, "parent": o.parentNS, "source": o.source}})
}

// start observes the zone once when the controller is built: the delegation (so that a
// `twinzone failover` shows the truth), the registrar's view (read only here and after
// changes: registrar APIs are slow and rate-limited, the parent's servers are neither), and a
// change left in flight by a process that died.
func (z *Zone) start(ctx context.Context) {
	now := z.c.now()
	o := z.observe(ctx, now)
	z.seen, z.seenBy = o.effective, o.source
	if o.parentErr != nil {
		z.c.log.Warn("cannot read the delegation at the parent", "zone", z.Name, "err", o.parentErr)
	}
	var regNS []string
	if z.reg != nil {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		names, err := z.reg.Nameservers(rctx, z.Name)
		cancel()
		if err != nil {
			z.c.log.Warn("registrar cannot tell the current delegation: the parent's servers are the only source", "zone", z.Name, "err", err)
		} else {
			regNS = state.NormalizeNames(names)
			if o.parentNS != nil && !slices.Equal(regNS, o.parentNS) {
				z.c.log.Warn("the registrar and the parent's servers disagree (a change on its way, or made by hand)",
					"zone", z.Name, "registrar", regNS, "parent", o.parentNS)
			}
		}
	}
	last, ok := o.hist.Last()
	if !ok || !last.Abandoned() {
		return
	}
	// A change without outcome: if nobody holds the lease, its writer died before recording it.
	lctx, cancel := context.WithTimeout(ctx, time.Second)
	lease, err := z.c.hist.Acquire(lctx, z.Name)
	cancel()
	if err != nil {
		return // someone is acting now: the change may be theirs, in flight
	}
	defer lease.Unlock()
	if h, err := z.c.hist.ZoneHistory(ctx, z.Name); err == nil {
		if l, ok := h.Last(); ok && l.ID == last.ID && l.Abandoned() {
			z.settle(ctx, lease, l, o.parentNS, regNS, now)
			z.observe(ctx, now)
		}
	}
}

// settle records the outcome of a change whose writer died: applied when the parent or the
// registrar holds the set it asked for (it then counts toward cooldown and the daily cap),
// not applied otherwise.
func (z *Zone) settle(ctx context.Context, lease state.Lease, c state.Change, parentNS, regNS []string, now time.Time) {
	if parentNS == nil && regNS == nil {
		z.c.log.Warn("a delegation change was interrupted by a crash and its outcome cannot be read (neither the parent nor the registrar answers): it counts as made until they do",
			"zone", z.Name, "change", c.ID, "kind", c.Kind)
		return
	}
	want := state.NormalizeNames(c.Nameservers)
	c.Finished = now
	c.Confirmed = slices.Equal(parentNS, want)
	c.Applied = c.Confirmed || slices.Equal(regNS, want)
	c.Error = "interrupted: the process making it died before recording the outcome"
	if err := z.c.hist.EndChange(ctx, lease, c); err != nil {
		z.c.log.Warn("interrupted change not settled", "zone", z.Name, "change", c.ID, "err", err)
		return
	}
	z.c.log.Warn("found a delegation change interrupted by a crash", "zone", z.Name, "change", c.ID, "kind", c.Kind,
		"applied", c.Applied, "nameservers", want)
	z.journal(failover.Event{Time: now, Zone: z.Name, Kind: "reconcile",
		Message:  fmt.Sprintf("%s %s interrupted by a crash: applied=%v (judged from the parent and the registrar)", c.Kind, c.ID, c.Applied),
		Evidence: map[string]any{"change": c, "parent": parentNS, "registrar": regNS}})
}
