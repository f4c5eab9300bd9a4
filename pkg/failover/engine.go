package failover

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
)

// Engine decides delegation changes from verdict transitions. It keeps which providers are
// currently delegated and the history that the guards need; the caller reports changes it
// actually made with Applied. Guards: never act while CutOff, never leave the delegation
// empty (a change that would remove both providers is not made), cooldown since the last
// automatic change, at most MaxPerDay automatic failovers per UTC day.
//
// Cooldown after a manual change: a human's change re-arms the automatic guards. A failover is
// held back only by the cooldown of an automatic change made after the last manual one (so a
// provider restored by hand that dies again is failed over at once); an automatic failback
// waits for the cooldown of either kind of change (it is optional and must not flap).
//
// Failback: with FailbackAuto, a provider that is Up again (after recover_after good rounds)
// is put back automatically, also in active-active: re-adding a provider that answers
// authoritatively is safe there, because resolvers retry the other set, and the Runner's
// preflight still checks the stamp and DNSSEC before the change. With FailbackManual the
// engine reports the pending restore (Blocked) and waits for ManualFailback.
//
// An Engine is not safe for concurrent use.
type Engine struct {
	cfg       EngineConfig
	health    map[string]Health
	cutOff    bool
	current   []string // delegated providers, in normal order
	rec       Record
	evidence  map[string][]probe.Result
	normalSet []string
}

// NewEngine returns an engine that assumes the normal delegation is in place (use SetCurrent
// when the registrar says otherwise).
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Primary == "" || cfg.Secondary == "" || cfg.Primary == cfg.Secondary {
		return nil, fmt.Errorf("failover engine: need two distinct providers")
	}
	switch cfg.Mode {
	case Switch, ActiveActive:
	default:
		return nil, fmt.Errorf("failover engine: unknown mode %q (want switch or active-active)", cfg.Mode)
	}
	switch cfg.Failback {
	case "":
		cfg.Failback = FailbackManual
	case FailbackManual, FailbackAuto:
	default:
		return nil, fmt.Errorf("failover engine: unknown failback %q (want manual or auto)", cfg.Failback)
	}
	e := &Engine{cfg: cfg, health: map[string]Health{}, rec: Record{AutoFailovers: map[string]int{}}, evidence: map[string][]probe.Result{}}
	e.normalSet = []string{cfg.Primary}
	if cfg.Mode == ActiveActive {
		e.normalSet = append(e.normalSet, cfg.Secondary)
	}
	e.current = slices.Clone(e.normalSet)
	return e, nil
}

// SetPolicy replaces the guards (a reloaded config); the mode cannot change.
func (e *Engine) SetPolicy(p Policy) error {
	if p.Mode != e.cfg.Mode {
		return fmt.Errorf("failover engine: the mode cannot change from %s to %s without a restart", e.cfg.Mode, p.Mode)
	}
	switch p.Failback {
	case "":
		p.Failback = FailbackManual
	case FailbackManual, FailbackAuto:
	default:
		return fmt.Errorf("failover engine: unknown failback %q (want manual or auto)", p.Failback)
	}
	e.cfg.Policy = p
	return nil
}

// Normal returns the providers of the normal delegation.
func (e *Engine) Normal() []string { return slices.Clone(e.normalSet) }

// Current returns the providers delegated now, as the engine knows it.
func (e *Engine) Current() []string { return slices.Clone(e.current) }

// SetCurrent tells the engine which providers are delegated (the controller sets what it
// observed before every decision). Unknown names are ignored.
func (e *Engine) SetCurrent(providers []string) {
	e.current = e.order(providers)
}

// SetRecord replaces the history the guards read (see Record).
func (e *Engine) SetRecord(r Record) {
	if r.AutoFailovers == nil {
		r.AutoFailovers = map[string]int{}
	}
	e.rec = r
}

// Health returns the engine's view of a provider (Unknown until a transition was seen).
func (e *Engine) Health(provider string) Health {
	if h, ok := e.health[provider]; ok {
		return h
	}
	return Unknown
}

// Observe applies verdict transitions, then returns the decision for now.
func (e *Engine) Observe(now time.Time, trs []Transition) Decision {
	for _, tr := range trs {
		if tr.Provider == ControllerName {
			e.cutOff = tr.To == CutOff
			continue
		}
		e.health[tr.Provider] = tr.To
		if tr.To == Down {
			e.evidence[tr.Provider] = tr.Evidence
		}
	}
	return e.Decide(now)
}

// Decide returns what should happen now, guards applied.
func (e *Engine) Decide(now time.Time) Decision {
	d := e.want()
	if d.Kind == None {
		return d
	}
	if hold, block := e.guard(now, d.Kind); block != "" {
		return Decision{Kind: None, Wanted: d.Kind, Providers: d.Providers, Set: d.Set,
			Reason: d.Reason, Blocked: block, Hold: hold, Evidence: d.Evidence}
	}
	return d
}

// ManualFailback returns the decision that restores the normal delegation, for a human's
// `failback`: no auto, cooldown, cap or failback-policy guard (the Runner's preflight still
// applies). It is None when the normal delegation is already in place.
func (e *Engine) ManualFailback() Decision {
	if slices.Equal(e.current, e.normalSet) {
		return Decision{Kind: None, Reason: "normal delegation already in place"}
	}
	return e.decision(Restore, e.normalSet, "manual failback to the normal delegation")
}

// ManualFailover returns the decision that removes provider from the delegation (switch: the
// other provider's set replaces it), for a human's `failover`. It refuses to leave the
// delegation empty.
func (e *Engine) ManualFailover(provider string) (Decision, error) {
	if provider != e.cfg.Primary && provider != e.cfg.Secondary {
		return Decision{}, fmt.Errorf("failover: unknown provider %q", provider)
	}
	other := e.cfg.Secondary
	if provider == e.cfg.Secondary {
		other = e.cfg.Primary
	}
	next := []string{other}
	if e.cfg.Mode == ActiveActive {
		next = slices.DeleteFunc(slices.Clone(e.current), func(p string) bool { return p == provider })
		if len(next) == 0 {
			next = []string{other}
		}
	}
	if slices.Equal(next, e.current) {
		return Decision{Kind: None, Reason: fmt.Sprintf("%s is not delegated", provider)}, nil
	}
	d := e.decision(Failover, next, fmt.Sprintf("manual failover away from %s", provider))
	d.Evidence = e.evidence[provider]
	return d, nil
}

// Applied records that the automatic decision d was carried out at now: the delegation
// changed (until the next SetCurrent and SetRecord).
func (e *Engine) Applied(now time.Time, d Decision) {
	if d.Kind == None {
		return
	}
	e.current = e.order(d.Providers)
	e.rec.LastAuto = now
	if d.Kind == Failover {
		e.rec.AutoFailovers[now.UTC().Format(time.DateOnly)]++
	}
}

// want computes the unguarded decision from health and the current delegation.
func (e *Engine) want() Decision {
	var keep, down []string
	for _, p := range e.current {
		if e.Health(p) == Down {
			down = append(down, p)
		} else {
			keep = append(keep, p)
		}
	}
	var addable []string // normal-order providers that are Up and not delegated
	for _, p := range []string{e.cfg.Primary, e.cfg.Secondary} {
		if !slices.Contains(e.current, p) && e.Health(p) == Up {
			addable = append(addable, p)
		}
	}
	if len(down) > 0 {
		next := keep
		if len(next) == 0 {
			if len(addable) == 0 {
				return Decision{Kind: None, Reason: fmt.Sprintf("%s down, but no other provider is up: the delegation is left as is", strings.Join(down, ", "))}
			}
			next = addable
			if e.cfg.Mode == Switch {
				next = addable[:1]
			}
		}
		d := e.decision(Failover, next, fmt.Sprintf("%s down", strings.Join(down, ", ")))
		for _, p := range down {
			d.Evidence = append(d.Evidence, e.evidence[p]...)
		}
		return d
	}
	// Nothing to remove: is the normal delegation back within reach?
	var restore []string
	for _, p := range e.normalSet {
		if slices.Contains(e.current, p) || e.Health(p) == Up {
			restore = append(restore, p)
		}
	}
	if e.cfg.Mode == Switch && slices.Contains(restore, e.cfg.Primary) {
		restore = []string{e.cfg.Primary}
	}
	if len(restore) == 0 || slices.Equal(e.order(restore), e.current) {
		return Decision{Kind: None, Reason: "delegation matches health"}
	}
	return e.decision(Restore, restore, "provider up again: restore the normal delegation")
}

func (e *Engine) guard(now time.Time, k Kind) (Hold, string) {
	// The change the cooldown is measured from (see Engine).
	var last time.Time
	if k == Failover {
		if e.rec.LastAuto.After(e.rec.LastManual) {
			last = e.rec.LastAuto
		}
	} else {
		last = e.rec.LastAuto
		if e.rec.LastManual.After(last) {
			last = e.rec.LastManual
		}
	}
	switch {
	case e.cutOff:
		return HoldCutOff, "controller cut off: reporting only"
	case !e.cfg.Auto:
		return HoldAutoOff, "automatic failover disabled"
	case k == Restore && e.cfg.Failback != FailbackAuto:
		return HoldManualFailback, "failback is manual: run `twinzone failback`"
	case !last.IsZero() && e.cfg.Cooldown > 0 && now.Sub(last) < e.cfg.Cooldown:
		return HoldCooldown, fmt.Sprintf("cooldown: last change at %s, next allowed at %s",
			last.UTC().Format(time.RFC3339), last.Add(e.cfg.Cooldown).UTC().Format(time.RFC3339))
	case k == Failover && e.cfg.MaxPerDay > 0 && e.rec.AutoFailovers[now.UTC().Format(time.DateOnly)] >= e.cfg.MaxPerDay:
		return HoldDailyCap, fmt.Sprintf("daily cap: %d automatic failovers today (UTC)", e.cfg.MaxPerDay)
	}
	return "", ""
}

func (e *Engine) decision(k Kind, providers []string, reason string) Decision {
	providers = e.order(providers)
	return Decision{Kind: k, Providers: providers, Set: e.SetOf(providers), Reason: reason}
}

// SetOf returns the union NS set of the named providers, in normal order.
func (e *Engine) SetOf(providers []string) nameserver.Set {
	var out nameserver.Set
	for _, p := range e.order(providers) {
		s := e.cfg.PrimarySet
		if p == e.cfg.Secondary {
			s = e.cfg.SecondarySet
		}
		out = append(out, s...)
	}
	return out
}

// order returns the known providers of ps, primary first, without duplicates.
func (e *Engine) order(ps []string) []string {
	var out []string
	for _, p := range []string{e.cfg.Primary, e.cfg.Secondary} {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}

// Targets returns the preflight targets of d: each provider of the new delegation with its set.
func (e *Engine) Targets(d Decision) []Target {
	var out []Target
	for _, p := range e.order(d.Providers) {
		out = append(out, Target{Provider: p, Set: e.SetOf([]string{p})})
	}
	return out
}

// ProvidersOf maps a published NS set (names, any case, with or without the final dot) to
// the providers whose every name it contains, in normal order: what SetCurrent wants when the
// controller starts and reads the delegation.
func (e *Engine) ProvidersOf(names []string) []string {
	have := map[string]bool{}
	for _, n := range names {
		have[strings.TrimSuffix(strings.ToLower(n), ".")] = true
	}
	var out []string
	for _, p := range []string{e.cfg.Primary, e.cfg.Secondary} {
		set := e.SetOf([]string{p})
		all := len(set) > 0
		for _, ns := range set {
			all = all && have[strings.TrimSuffix(strings.ToLower(ns.Name), ".")]
		}
		if all {
			out = append(out, p)
		}
	}
	return out
}
