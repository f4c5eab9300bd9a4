package controller

import (
	"context"
	"time"

	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/state"
)

// ZoneStep is what RunOnce saw and did for one zone.
type ZoneStep struct {
	Zone   string
	Round  int
	Result failover.StepResult
}

// RunOnce runs one round per zone at now (see Step).
func (c *Controller) RunOnce(ctx context.Context, now time.Time) []ZoneStep {
	c.checkConfig()
	out := make([]ZoneStep, 0, len(c.zones))
	for _, z := range c.zones {
		out = append(out, z.Step(ctx, now))
	}
	return out
}

// Step runs one round of the zone at now: re-read the zone file if it changed, probe, observe
// the delegation and the shared history, judge the zone versions, decide, and (guards
// permitting) change the delegation through the change path.
func (z *Zone) Step(ctx context.Context, now time.Time) ZoneStep {
	z.setBusy(true)
	defer z.setBusy(false)
	z.refreshDesired()
	r := z.Probe(ctx, now)
	z.Last = r
	z.c.metrics.ObserveRound(z.Name, r)
	obs := z.observe(ctx, now)
	z.report(now, obs)
	z.judge(r, obs.hist)
	res := z.ctrl.Step(ctx, now, r)
	for _, tr := range res.Transitions {
		z.c.log.Info("verdict", "zone", z.Name, "provider", tr.Provider, "from", tr.From, "to", tr.To, "reason", tr.Reason)
	}
	if res.Outcome != nil && res.Outcome.Applied {
		z.c.log.Info("delegation changed", "zone", z.Name, "kind", res.Decision.Kind,
			"providers", res.Decision.Providers, "parent_confirmed", res.Outcome.ParentConfirmed)
	}
	z.reportHold(res)
	z.record(ctx, now, res.Transitions, obs)
	return ZoneStep{Zone: z.Name, Round: z.round, Result: res}
}

// reportHold makes a held-back change loud: a WARN line with its reason and the metric
// twinzone_failover_blocked, once per change of reason (the journal and the webhook get it
// from failover.Controller and the Runner).
func (z *Zone) reportHold(res failover.StepResult) {
	h := res.Hold
	if h == z.hold {
		return
	}
	prev := z.hold
	z.hold = h
	z.c.metrics.SetBlocked(z.Name, string(h), holdNames())
	if h == "" {
		z.c.log.Info("failover no longer held back", "zone", z.Name, "was", string(prev))
		return
	}
	detail := res.Decision.Blocked
	if res.Err != nil {
		detail = res.Err.Error()
	}
	wanted := res.Decision.Wanted
	if wanted == "" {
		wanted = res.Decision.Kind
	}
	z.c.log.Warn("failover held back", "zone", z.Name, "reason", string(h), "wanted", string(wanted),
		"providers", res.Decision.Providers, "detail", detail)
}

// record writes what the round observed to the shared history (verdicts and the delegation,
// for `status`; written only when they change) and feeds the verdict metrics.
func (z *Zone) record(ctx context.Context, now time.Time, trs []failover.Transition, obs observation) {
	for _, tr := range trs {
		if tr.Provider == failover.ControllerName {
			z.c.metrics.SetCutOff(z.Name, tr.To == failover.CutOff)
			continue
		}
		z.c.metrics.SetUp(z.Name, tr.Provider, tr.To == failover.Up)
		z.verdicts[tr.Provider] = state.Verdict{Status: string(tr.To), Since: tr.At, Detail: tr.Reason}
	}
	o := state.Observed{At: now, Delegation: obs.parentNS, Verdicts: z.verdicts}
	if o.Delegation == nil {
		o.Delegation = obs.hist.Observed.Delegation
	}
	if err := z.c.hist.RecordObserved(ctx, z.Name, o); err != nil {
		z.c.log.Warn("observations not recorded", "zone", z.Name, "err", err)
	}
}

// refreshDesired re-reads the zone file when it changed on disk.
func (z *Zone) refreshDesired() {
	old, cur, adopted, err, first := z.desired.refresh()
	switch {
	case err != nil && first:
		z.c.log.Error("the zone file changed but does not parse: the controller keeps the previous version and pushes nothing from the new one; fix the file",
			"zone", z.Name, "file", z.Config.File, "err", err, "kept", old.String())
		z.runner.Notify(failover.Event{Kind: "zone_file", Message: "zone file does not parse, previous version kept: " + err.Error()})
	case adopted:
		z.c.log.Info("zone file changed: new version adopted", "zone", z.Name, "file", z.Config.File, "from", old.String(), "to", cur.String())
	}
}

// checkConfig reports a changed config file: unlike the zone file, it needs a restart
// (targets, registrars and guards are built from it).
func (c *Controller) checkConfig() {
	if _, changed := c.config.changed(); changed {
		c.log.Warn("the config file changed: restart `twinzone run` to apply it (zone files are re-read by themselves)", "file", c.opts.Config.File)
	}
}

// holdNames are the reason labels of twinzone_failover_blocked.
func holdNames() []string {
	all := make([]string, len(failover.Holds))
	for i, x := range failover.Holds {
		all[i] = string(x)
	}
	return all
}
