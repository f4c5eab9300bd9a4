// Package reconcile is the use case "sync this configured zone": open both providers, plan
// with the zone's options and ignore rules, check the safety policies, apply, and record the
// outcome in the shared history. `twinzone plan`, `twinzone sync`, the controller's periodic
// sync, the demo and the drill all call RunOnce, so they all run the same pipeline.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/state"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Opener opens a DNS provider by its name in the config. The CLI opens each provider once per
// process, so zones that share a provider share its adapter (and its rate limiter).
type Opener func(ctx context.Context, name string) (provider.Provider, error)

// Zone is one configured zone and its parsed zone file.
type Zone struct {
	Config  *config.Zone
	Desired *zone.Zone
}

// Options change what RunOnce does.
type Options struct {
	DryRun bool // plan only, write nothing, record nothing
	Force  bool // skip the safety policies (Policies)
	// Open opens the zone's providers (required).
	Open Opener
	// Adjust, when set, reshapes the opened targets for provider-specific zone settings (the
	// CLI's proxied names: Cloudflare proxies them, the other provider serves what the config
	// chooses); a target it cannot work out is left out with an error.
	Adjust func(ctx context.Context, z Zone, targets []tzsync.Target) ([]tzsync.Target, []error)
	// Syncer runs the sync (progress bars, batch size); nil: a plain one logging to Logger.
	Syncer *tzsync.Syncer
	Logger *slog.Logger
	// History, when set, receives the outcome: a journal event, and (with Lease, which the
	// caller holds around RunOnce) the zone's last sync.
	History state.History
	Lease   state.Lease
}

// Result is what RunOnce did for one zone.
type Result struct {
	Zone    string
	Stamp   stamp.Stamp     // the stamp of the zone file pushed
	Results []tzsync.Result // one per provider that could be opened
	Plans   []*plan.Plan    // the plans made
	Errs    []error         // providers that could not be opened, and failed syncs
	Notes   []string        // warnings for humans (same SOA serial, other content)
}

// Policies are the safety policies of a zone: the one list every sync applies (Force skips
// them). NoDowngrade refuses to push a zone file older than what a provider serves.
func Policies(zc *config.Zone) []plan.Policy {
	return []plan.Policy{
		plan.MaxChangeFraction{Fraction: zc.Safety.MaxChangeFraction, MinExisting: zc.Safety.MinExisting},
		plan.NoDeleteAll{},
		plan.NoDowngrade{},
	}
}

// PlanOptions are the plan options of one provider of zc: the zone's origin, apex NS choice
// and ignore rules, the provider's traits, and the stamp to write.
func PlanOptions(zc *config.Zone, providerName string, traits plan.Traits, st stamp.Stamp) plan.Options {
	ign := make([]plan.IgnoreRule, len(zc.Ignore))
	for i, r := range zc.Ignore {
		ign[i] = plan.IgnoreRule{Name: r.Name, Type: r.Type}
	}
	return plan.Options{
		Provider:     providerName,
		Origin:       zc.Name,
		Traits:       traits,
		ManageApexNS: zc.ManageApexNS,
		Ignore:       ign,
		Stamp:        st,
	}
}

// Targets opens the primary and secondary providers of z. A provider that cannot be opened is
// reported in failed (by name) and left out, so the other one is still worked on.
func Targets(ctx context.Context, z Zone, open Opener) (targets []tzsync.Target, failed map[string]error) {
	st := plan.StampOf(z.Desired.RRsets)
	failed = map[string]error{}
	for _, name := range z.Config.Providers() {
		p, err := open(ctx, name)
		if err != nil {
			failed[name] = fmt.Errorf("%s on %s: %w", z.Config.Name, name, err)
			continue
		}
		if d, ok := p.(provider.Delegated); ok {
			d.SetApexNS(z.Config.Name, z.Config.Ref(name).Nameservers.Names())
		}
		var traits plan.Traits
		if d, ok := p.(provider.Describer); ok {
			traits = d.Traits()
		}
		targets = append(targets, tzsync.Target{Name: name, Provider: p, Options: PlanOptions(z.Config, name, traits, st)})
	}
	inheritTraits(targets)
	return targets, failed
}

// inheritTraits gives a verify-only target (provider.ReadOnly) the traits of the zone's
// writable one: it serves what that one serves, by zone transfer, normalised the same way.
func inheritTraits(targets []tzsync.Target) {
	for i := range targets {
		if _, ro := targets[i].Provider.(provider.ReadOnly); !ro {
			continue
		}
		for _, w := range targets {
			if _, ro := w.Provider.(provider.ReadOnly); !ro {
				targets[i].Options.Traits = w.Options.Traits
				break
			}
		}
	}
}

// RunOnce syncs (with DryRun: plans) z on both of its providers. One provider failing never
// stops the other; every error is in Result.Errs, prefixed by the zone.
func RunOnce(ctx context.Context, z Zone, o Options) Result {
	res := Result{Zone: z.Config.Name, Stamp: plan.StampOf(z.Desired.RRsets)}
	if o.Open == nil {
		res.Errs = append(res.Errs, fmt.Errorf("%s: reconcile: no provider opener", z.Config.Name))
		return res
	}
	targets, failed := Targets(ctx, z, o.Open)
	for _, name := range z.Config.Providers() { // in config order
		if err, ok := failed[name]; ok {
			res.Errs = append(res.Errs, err)
			res.Plans = append(res.Plans, plan.Failed(z.Config.Name, name, err))
		}
	}
	if o.Adjust != nil {
		var errs []error
		targets, errs = o.Adjust(ctx, z, targets)
		res.Errs = append(res.Errs, errs...)
	}
	syncer := o.Syncer
	if syncer == nil {
		syncer = &tzsync.Syncer{Logger: o.Logger}
	}
	res.Results = syncer.Sync(ctx, targets, z.Desired.RRsets, tzsync.Options{DryRun: o.DryRun, Force: o.Force, Policies: Policies(z.Config)})
	for _, r := range res.Results {
		if r.Plan == nil && r.Err != nil {
			res.Plans = append(res.Plans, plan.Failed(z.Config.Name, r.Target, r.Err))
		}
		if r.Plan != nil {
			res.Plans = append(res.Plans, r.Plan)
			if served, next, ok := r.Plan.StampChange(); ok && stamp.Compare(served, next) == stamp.Conflict {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: %s serves %s, the same SOA serial as this zone file with other content: bump the SOA serial with every edit (controllers do not push over such a version)",
					z.Config.Name, r.Target, served.Short()))
			}
		}
		if r.Err != nil {
			res.Errs = append(res.Errs, fmt.Errorf("%s: %w", z.Config.Name, r.Err))
		}
	}
	if !o.DryRun && o.History != nil {
		// Recorded even when ctx was cancelled (Ctrl-C, SIGTERM): what was applied before the
		// interrupt must reach the journal. Bounded, so a stuck disk cannot hold the exit.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := record(rctx, z, o, res)
		cancel()
		if err != nil {
			// `status` and the controllers would not know of this sync: an error, not a log line.
			res.Errs = append(res.Errs, fmt.Errorf("%s: the sync ran but its result could not be recorded in the shared history: %w (`twinzone status` and the controllers do not see it; fix the state directory, or etcd in fleet mode)", z.Config.Name, err))
		}
	}
	return res
}

// record journals the sync and, under the caller's lease, sets the zone's last sync.
func record(ctx context.Context, z Zone, o Options, res Result) error {
	type outcome struct {
		Provider string `json:"provider"`
		Applied  int    `json:"applied"` // changes that took effect, also when Error is set
		Changes  int    `json:"changes"`
		// AppliedRRsets names them ("create www.example.com. A"), the first 20 and how many
		// more, only when the sync failed: what the provider was left holding.
		AppliedRRsets []string `json:"applied_rrsets,omitempty"`
		Error         string   `json:"error,omitempty"`
	}
	ok := map[string]bool{}
	var ev []outcome
	for _, r := range res.Results {
		ok[r.Target] = r.Err == nil
		oc := outcome{Provider: r.Target, Applied: r.Applied}
		if r.Plan != nil {
			oc.Changes = len(r.Plan.Changes)
		}
		if r.Err != nil {
			oc.Error = r.Err.Error()
			for i, c := range r.Written {
				if i == 20 {
					oc.AppliedRRsets = append(oc.AppliedRRsets, fmt.Sprintf("and %d more", len(r.Written)-i))
					break
				}
				oc.AppliedRRsets = append(oc.AppliedRRsets, c.Action.String()+" "+c.Key().String())
			}
		}
		ev = append(ev, oc)
	}
	jerr := o.History.Append(ctx, state.Event{Zone: z.Config.Name, Kind: state.KindSync, Message: "sync " + res.Stamp.Short(), Evidence: ev})
	if o.Lease == nil {
		return jerr
	}
	sy := state.Sync{Time: time.Now().UTC(), Hash: res.Stamp.Hash, Providers: ok}
	if res.Stamp.HasGeneration {
		g := res.Stamp.Generation
		sy.Generation = &g
	}
	return errors.Join(jerr, o.History.RecordSync(ctx, o.Lease, z.Config.Name, sy))
}
