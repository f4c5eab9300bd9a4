package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
)

// Fleet mode (Options.Fleet): every member probes and publishes its own verdicts; the engine
// of every member decides from the fleet's verdicts (fleet.Aggregate: a provider is down only
// when vantage_quorum live members that are not cut off see it down), so that `status` and the
// metrics show the same decision everywhere; only the leader acts (the change path and the
// periodic sync), and each registrar call is preceded by a proof that the lease is still held
// (fleet.Lease.Check) and bounded by it.

// fleetAggregate is the failover.Controller's Aggregate in fleet mode.
func (z *Zone) fleetAggregate(ctx context.Context, now time.Time, _ []failover.Transition) ([]failover.Transition, failover.Hold, string) {
	co := z.c.opts.Fleet
	snap := z.tracker.Snapshot()
	// The delegation is this round's read of the parent (observe runs before the decision);
	// none when the parent could not be read: a member publishes only what it saw.
	v := fleet.ZoneView{Verdicts: map[string]string{}, CutOff: z.tracker.CutOff(), Delegation: slices.Clone(z.parentNS)}
	for p, h := range snap {
		if p != failover.ControllerName {
			v.Verdicts[p] = string(h)
		}
	}
	if st := z.desired.current().stamp; st.HasGeneration {
		g := st.Generation
		v.Generation = &g
	}
	r := co.Round(ctx, now, z.Name, v)
	if r.Err != nil {
		// The fleet's verdicts are not known: keep the last ones and hold.
		return nil, failover.HoldCoordination, "coordination lost: " + r.Err.Error()
	}
	var trs []failover.Transition
	if z.fleetHealth == nil {
		z.fleetHealth = map[string]failover.Health{}
	}
	for _, p := range z.providers() {
		pv, ok := r.Verdict.Providers[p]
		to := failover.Unknown
		if ok {
			to = failover.Health(pv.Status)
		}
		from, seen := z.fleetHealth[p]
		if !seen {
			from = failover.Unknown
		}
		if from != to || !seen {
			trs = append(trs, failover.Transition{At: now, Provider: p, From: from, To: to, Reason: "fleet: " + pv.Reason})
			z.fleetHealth[p] = to
		}
	}
	if !r.Act {
		return trs, failover.HoldNotLeader, fmt.Sprintf("member %s does not lead the fleet (%s leads): the leader acts", co.Member.ID, orNobody(r.Leader))
	}
	return trs, "", ""
}

// FleetVerdicts returns the fleet's latest verdicts on the zone's providers (nil outside fleet
// mode or before the first round).
func (z *Zone) FleetVerdicts() map[string]failover.Health {
	if z.fleetHealth == nil {
		return nil
	}
	return maps.Clone(z.fleetHealth)
}

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}

// mayAct reports whether this process may change anything now: always outside fleet mode; in
// fleet mode only the leader with a live session.
func (c *Controller) mayAct() bool {
	co := c.opts.Fleet
	return co == nil || (co.Member.Coordination() == nil && co.Member.Leading())
}

// leaseGuard is the Runner's Guard for a lease that can prove itself held (a fleet lease):
// checked immediately before every registrar call.
func leaseGuard(l state.Lease) func(ctx context.Context) (time.Time, error) {
	ch, ok := l.(interface {
		Check(ctx context.Context) (time.Time, error)
	})
	if !ok {
		return nil
	}
	return ch.Check
}

// fleetHealthz is the fleet part of /healthz (nil outside fleet mode): this member, whether it
// leads, and coordination; a member without etcd is still alive (it probes and reports), so
// this never fails the health check.
func (c *Controller) fleetHealthz() map[string]any {
	co := c.opts.Fleet
	if co == nil {
		return nil
	}
	out := map[string]any{"member": co.Member.ID, "leading": co.Member.Leading(), "coordinated": true}
	if err := co.Member.Coordination(); err != nil {
		out["coordinated"], out["error"] = false, err.Error()
	}
	verdicts := map[string]any{}
	for _, z := range c.zones {
		if r, ok := co.Last(z.Name); ok {
			out["leader"] = r.Leader
			verdicts[z.Name] = r.Verdict
		}
	}
	out["verdicts"] = verdicts
	return out
}
