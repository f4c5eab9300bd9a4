package controller

import (
	"context"
	"reflect"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
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
	z.applyConfig()
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

// checkConfig re-reads a changed config file. A file that does not load is an ERROR and the
// previous config stays in force. A zone's failover section (the guards) is handed to the zone,
// which applies it at its next round; any other change needs a restart (targets, registrars
// and probes are built from it) and is reported as such.
func (c *Controller) checkConfig() {
	if _, changed := c.config.changed(); !changed {
		return
	}
	if c.opts.LoadConfig == nil {
		c.log.Warn("the config file changed: restart `twinzone run` to apply it (zone files are re-read by themselves)", "file", c.opts.Config.File)
		return
	}
	cfg, err := c.opts.LoadConfig()
	if err != nil {
		c.log.Error("the config file changed but does not load: the controller keeps the previous one", "file", c.opts.Config.File, "err", err)
		return
	}
	for _, z := range c.zones {
		nz, ok := cfg.Zone(z.Name)
		if !ok {
			c.log.Warn("the zone is no longer in the config: restart `twinzone run` to stop controlling it", "zone", z.Name)
			continue
		}
		if what := restartNeeded(c.opts.Config, cfg, z.Config, nz); what != "" {
			c.log.Warn("the config file changed: restart `twinzone run` to apply it", "zone", z.Name, "changed", what)
		}
		z.mu.Lock()
		f := nz.Failover
		z.pendingFailover = &f
		z.mu.Unlock()
	}
}

// restartNeeded names what changed for a zone besides its failover section.
func restartNeeded(oldCfg, curCfg *config.Config, old, cur *config.Zone) string {
	a, b := *old, *cur
	a.Failover, b.Failover = config.Failover{}, config.Failover{}
	a.Line, b.Line = 0, 0
	switch {
	case !reflect.DeepEqual(a, b):
		return "the zone's providers, nameservers, registrar, mode, probe, zone file, ignore, safety or proxied settings"
	case !sameRegistrar(oldCfg.Registrars[old.Registrar], curCfg.Registrars[cur.Registrar]):
		return "the zone's registrar settings"
	case !sameProvider(oldCfg.Providers[old.Primary.Provider], curCfg.Providers[cur.Primary.Provider]) ||
		!sameProvider(oldCfg.Providers[old.Secondary.Provider], curCfg.Providers[cur.Secondary.Provider]):
		return "the zone's provider settings"
	case !reflect.DeepEqual(oldCfg.Controller, curCfg.Controller):
		return "the controller section"
	}
	return ""
}

// sameRegistrar compares two loads of a registrar by type and settings. Not its Spec: a row of
// the type table, whose Decode func is never DeepEqual to itself, so comparing it called every
// reload a registrar change; nor its position in the file.
func sameRegistrar(a, b *config.Registrar) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && reflect.DeepEqual(a.Settings, b.Settings)
}

// sameProvider is sameRegistrar for providers.
func sameProvider(a, b *config.Provider) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && reflect.DeepEqual(a.Settings, b.Settings)
}

// applyConfig applies a reloaded failover section (from checkConfig) at the start of a round.
func (z *Zone) applyConfig() {
	z.mu.Lock()
	f := z.pendingFailover
	z.pendingFailover = nil
	z.mu.Unlock()
	if f == nil || *f == z.Config.Failover {
		return
	}
	zc := z.Config
	err := z.engine.SetPolicy(failover.Policy{Mode: failover.Mode(zc.Mode), Auto: f.Auto && zc.Registrar != "",
		Cooldown: f.Cooldown, MaxPerDay: f.MaxPerDay, Failback: failover.FailbackPolicy(f.Failback)})
	if err != nil {
		z.c.log.Error("reloaded failover settings not applied", "zone", z.Name, "err", err)
		return
	}
	zc.Failover = *f
	z.ctrl.RequireInSync = f.RequireInSync
	z.ctrl.RetryEvery = durOr(z.c.opts.RetryEvery, f.RetryEvery)
	z.runner.ParentTimeout = f.PropagationTimeout
	z.c.log.Info("config reloaded: new failover settings in force", "zone", z.Name, "auto", f.Auto, "cooldown", f.Cooldown.String(),
		"max_per_day", f.MaxPerDay, "failback", string(f.Failback), "require_in_sync", f.RequireInSync)
}

// holdNames are the reason labels of twinzone_failover_blocked.
func holdNames() []string {
	all := make([]string, len(failover.Holds))
	for i, x := range failover.Holds {
		all[i] = string(x)
	}
	return all
}
