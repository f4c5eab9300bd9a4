package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/state"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "delegation at the registrar and the parent, provider health, sync stamps, last events",
		Description: "Reads the delegation from the registrar and from the parent's servers, probes both " +
			"providers once, and shows the verdicts, the last sync and the last journal events of the shared history " +
			"(the state directory; with a fleet section, etcd, and the fleet's leader, members and verdict: in " +
			"--format json a \"fleet\" object per zone). " +
			"No provider API is called.",
		Flags: commonFlagsLevel("warn",
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text or json"},
			&cli.IntFlag{Name: "events", Value: 5, Usage: "how many journal events to show per zone"},
		),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "text" && format != "json" {
				return withCode(exitError, fmt.Errorf("--format %q: want text or json", format))
			}
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			ctrl, err := l.controller(c, controller.Options{})
			if err != nil {
				return withCode(exitError, err)
			}
			st, _ := l.store()
			stateErr := ""
			if l.cfg.Fleet == nil { // in fleet mode the record is in etcd, not in the directory
				if _, err := st.Load(); err != nil {
					return withCode(exitError, fmt.Errorf("%w (move the state file aside to start afresh)", err))
				}
				if err := stateWritable(st.Dir()); err != nil {
					stateErr = err.Error()
				}
			}
			hist, err := l.history(c)
			if err != nil {
				return withCode(exitError, err)
			}
			cs, watched := probeController(c.Context, l.cfg)
			fv := readFleet(c.Context, l.cfg)
			var reports []zoneStatus
			for _, z := range ctrl.Zones() {
				r := statusOf(c.Context, z, hist, c.Int("events"))
				r.Controller = cs
				r.Controller.Watches = watched[z.Name]
				r.StateError = stateErr
				r.Fleet = fv.zone(z.Name)
				reports = append(reports, r)
			}
			if format == "json" {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(reports)
			}
			for _, r := range reports {
				printStatus(c.App.Writer, r)
			}
			return printFleetStatus(c.App.Writer, fv, l.cfg.ZoneNames())
		},
	}
}

type providerStatus struct {
	Provider  string   `json:"provider"`
	Role      string   `json:"role"`
	Delegated bool     `json:"delegated"`
	Answering int      `json:"answering"`
	Addresses int      `json:"addresses"`
	Stamps    []string `json:"stamps,omitempty"`
	InSync    bool     `json:"in_sync"`
	Verdict   string   `json:"verdict,omitempty"`
	Since     string   `json:"since,omitempty"`
	Problems  []string `json:"problems,omitempty"`
}

type zoneStatus struct {
	Zone            string           `json:"zone"`
	Mode            string           `json:"mode"`
	State           string           `json:"state"`
	Parent          []string         `json:"parent_ns,omitempty"`
	ParentDS        int              `json:"parent_ds"`
	ParentError     string           `json:"parent_error,omitempty"`
	Registrar       []string         `json:"registrar_ns,omitempty"`
	RegistrarError  string           `json:"registrar_error,omitempty"`
	ExpectedStamp   string           `json:"expected_stamp"`
	Providers       []providerStatus `json:"providers"`
	LastSync        *state.Sync      `json:"last_sync,omitempty"`
	Events          []state.Event    `json:"events,omitempty"`
	EventsError     string           `json:"events_error,omitempty"`
	DelegationKnown []string         `json:"delegated_providers"`
	Controller      controllerStatus `json:"controller"`
	StateError      string           `json:"state_error,omitempty"`   // the state directory cannot record
	HistoryError    string           `json:"history_error,omitempty"` // the shared history cannot be read
	Next            string           `json:"next,omitempty"`          // what to do, when something is pending
	Fleet           *fleetStatus     `json:"fleet,omitempty"`         // fleet mode: members, leader, verdict
}

// stateNeverDelegated is the status of a zone whose normal delegation twinzone never set: a
// provider of it is missing, but no failover removed it (a fresh setup).
const stateNeverDelegated = "never_delegated"

// statusOf reports zone; its record (last sync, changes, verdicts, journal) comes from hist,
// the controllers' shared history (etcd in fleet mode).
func statusOf(ctx context.Context, z *controller.Zone, hist state.History, events int) zoneStatus {
	rep := zoneStatus{Zone: z.Name, Mode: string(z.Config.Mode), State: state.ModeNormal, ExpectedStamp: z.Stamp().Hash}
	if !slices.Equal(z.Engine().Current(), z.Engine().Normal()) {
		rep.State = state.ModeFailedOver
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	zh, err := hist.ZoneHistory(hctx, z.Name)
	cancel()
	if err != nil {
		rep.HistoryError = err.Error()
	}
	rep.LastSync = zh.LastSync
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	d, err := z.Delegation(dctx)
	cancel()
	if err != nil {
		rep.ParentError = err.Error()
	} else {
		rep.Parent, rep.ParentDS = d.NS, len(d.DS)
	}
	if reg, err := z.Registrar(); reg != nil {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		names, err := reg.Nameservers(rctx, z.Name)
		cancel()
		if err != nil {
			rep.RegistrarError = err.Error()
		}
		rep.Registrar = names
	} else if err != nil {
		rep.RegistrarError = err.Error()
	} else {
		rep.RegistrarError = "no registrar configured"
	}
	delegated := z.Engine().Current()
	if rep.Parent != nil {
		delegated = z.Engine().ProvidersOf(rep.Parent)
	}
	rep.DelegationKnown = delegated
	if len(zh.Changes) == 0 && rep.HistoryError == "" && rep.ParentError == "" {
		// No delegation change ever recorded: a provider missing from the delegation was never
		// in it (a fresh setup), which is not a failover.
		var missing []string
		for _, p := range z.Engine().Normal() {
			if !slices.Contains(delegated, p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			rep.State = stateNeverDelegated
			rep.Next = fmt.Sprintf("%s never delegated (twinzone has not changed this delegation yet): run `twinzone sync`, then `twinzone failback` to delegate to %s: the first delegation",
				strings.Join(missing, ", "), strings.Join(z.Engine().Normal(), " and "))
		}
	}
	round := z.Probe(ctx, time.Now())
	by := round.ByProvider()
	for i, p := range z.Config.Providers() {
		ps := providerStatus{Provider: p, Role: []string{"primary", "secondary"}[i], Delegated: slices.Contains(delegated, p)}
		for _, r := range by[p] {
			ps.Addresses++
			if !r.Healthy() && r.Reason != probe.StaleStamp {
				ps.Problems = append(ps.Problems, fmt.Sprintf("%s (%s): %s %s", r.Nameserver, r.Addr, r.Reason, r.Detail))
				continue // says nothing about the stamp
			}
			if ps.Answering == 0 {
				ps.InSync = true
			}
			ps.Answering++
			if !r.Stamp.IsZero() && !slices.Contains(ps.Stamps, r.Stamp.Hash) {
				ps.Stamps = append(ps.Stamps, r.Stamp.Hash)
			}
			if !z.Stamp().IsZero() && r.Stamp.Hash != z.Stamp().Hash {
				ps.InSync = false
			}
		}
		if v, ok := zh.Observed.Verdicts[p]; ok {
			ps.Verdict = v.Status
			if !v.Since.IsZero() {
				ps.Since = v.Since.UTC().Format(time.RFC3339)
			}
		}
		rep.Providers = append(rep.Providers, ps)
	}
	jctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	evs, err := hist.Journal(jctx, z.Name, events)
	cancel()
	if err != nil {
		rep.EventsError = err.Error()
	}
	rep.Events = evs
	return rep
}

func printStatus(w io.Writer, r zoneStatus) {
	fmt.Fprintf(w, "zone %s (mode %s): %s\n", r.Zone, r.Mode, strings.ReplaceAll(r.State, "_", " "))
	ctl := r.Controller.Detail
	if r.Controller.Running && !r.Controller.Watches {
		ctl += "; it does NOT watch this zone (another config?)"
	}
	fmt.Fprintf(w, "  controller: %s\n", ctl)
	if r.ParentError != "" {
		fmt.Fprintf(w, "  parent:    cannot read: %s\n", r.ParentError)
	} else {
		fmt.Fprintf(w, "  parent:    %s (DS records: %d) -> delegated to %v\n", strings.Join(r.Parent, " "), r.ParentDS, r.DelegationKnown)
	}
	if r.RegistrarError != "" {
		fmt.Fprintf(w, "  registrar: %s\n", r.RegistrarError)
	} else {
		fmt.Fprintf(w, "  registrar: %s\n", strings.Join(r.Registrar, " "))
	}
	for _, p := range r.Providers {
		sync := "in sync"
		switch {
		case p.Answering == 0:
			sync = "stamp unknown (no answer)"
		case !p.InSync:
			sync = "OUT OF SYNC (served " + strings.Join(shortAll(p.Stamps), ", ") + ", want " + shortHash(r.ExpectedStamp) + "; run `twinzone sync`)"
		}
		del := "not delegated"
		if p.Delegated {
			del = "delegated"
		}
		verdict := p.Verdict
		if verdict == "" {
			verdict = "no verdict yet"
		} else if p.Since != "" {
			verdict += " since " + p.Since
		}
		fmt.Fprintf(w, "  %-9s  %s: %d of %s answering, %s, %s, controller verdict: %s\n", p.Role, p.Provider, p.Answering, count(p.Addresses, "address", "addresses"), sync, del, verdict)
		for _, pr := range p.Problems {
			fmt.Fprintf(w, "      %s\n", pr)
		}
	}
	if r.Next != "" {
		fmt.Fprintf(w, "  next:      %s\n", r.Next)
	}
	if r.StateError != "" {
		fmt.Fprintf(w, "  state:     NOT WRITABLE: %s (syncs and delegation changes are not recorded; `last sync` may be old)\n", r.StateError)
	}
	if r.HistoryError != "" {
		fmt.Fprintf(w, "  history:   cannot read: %s (last sync, changes and verdicts unknown)\n", r.HistoryError)
	}
	if r.LastSync != nil {
		fmt.Fprintf(w, "  last sync: %s\n", syncSummary(r.LastSync))
	}
	if r.EventsError != "" {
		fmt.Fprintf(w, "  journal:   cannot read: %s\n", r.EventsError)
	}
	if len(r.Events) > 0 {
		fmt.Fprintln(w, "  last events:")
		for _, e := range r.Events {
			fmt.Fprintf(w, "    %s\n", eventLine(e))
		}
	}
}

func shortAll(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = shortHash(h)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
