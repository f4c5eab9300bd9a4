package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/fleet"
)

// fleetStatus is the fleet part of `status` for one zone (the "fleet" object of each zone in
// `--format json`; the text output prints the same facts once for all zones).
type fleetStatus struct {
	Member         string   `json:"member"` // this config's fleet.id
	Endpoints      []string `json:"etcd_endpoints"`
	VantageQuorum  int      `json:"vantage_quorum"`
	ObservationTTL string   `json:"observation_ttl"`
	// Error is set when etcd could not be read (coordination lost): nothing else is known.
	Error   string              `json:"error,omitempty"`
	Leader  string              `json:"leader"` // "" when nobody leads
	Members []fleetMemberStatus `json:"members"`
	// Verdict is the fleet's verdict on the zone's providers (fleet.Aggregate of the live
	// observations), as the leader decides from it.
	Verdict *fleet.ZoneVerdict `json:"verdict,omitempty"`
}

// fleetMemberStatus is one member's latest published observation of the zone.
type fleetMemberStatus struct {
	Member     string            `json:"member"`
	Leader     bool              `json:"leader"`                // this member leads now
	SeesLeader string            `json:"sees_leader,omitempty"` // whom it believed led (a split view shows here)
	At         time.Time         `json:"at"`
	AgeSeconds float64           `json:"age_seconds"`
	Live       bool              `json:"live"` // within observation_ttl: its view counts
	Verdicts   map[string]string `json:"verdicts"`
	CutOff     bool              `json:"cut_off"`
	Generation *uint32           `json:"generation,omitempty"`
	Delegation []string          `json:"delegation,omitempty"` // what it read at the parent
}

// fleetView is what `status` read from etcd once: the leader and every live lease's
// observation.
type fleetView struct {
	f      *config.Fleet
	now    time.Time
	err    error
	leader string
	obs    []fleet.Observation
}

// readFleet reads the fleet's leader and observations (nil without a fleet section).
func readFleet(ctx context.Context, cfg *config.Config) *fleetView {
	f := cfg.Fleet
	if f == nil {
		return nil
	}
	v := &fleetView{f: f}
	defer func() { v.now = time.Now() }()
	s, cli, err := fleet.Open(f, fleetHolder(f))
	if err != nil {
		v.err = err
		return v
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if v.leader, v.err = s.Leader(ctx); v.err != nil {
		return v
	}
	v.obs, v.err = s.Observations(ctx)
	return v
}

// zone is the fleet status of zone.
func (v *fleetView) zone(zone string) *fleetStatus {
	if v == nil {
		return nil
	}
	fs := &fleetStatus{Member: v.f.ID, Endpoints: v.f.Etcd.Endpoints, VantageQuorum: v.f.VantageQuorum,
		ObservationTTL: v.f.ObservationTTL.String(), Leader: v.leader, Members: []fleetMemberStatus{}}
	if v.err != nil {
		fs.Error = "coordination lost: " + v.err.Error()
		return fs
	}
	for _, o := range v.obs {
		zv, ok := o.Zones[zone]
		if !ok {
			continue
		}
		age := v.now.Sub(o.At)
		fs.Members = append(fs.Members, fleetMemberStatus{Member: o.Member, Leader: o.Member == v.leader && v.leader != "",
			SeesLeader: o.Leader, At: o.At.UTC(), AgeSeconds: age.Round(time.Millisecond).Seconds(),
			Live: age <= v.f.ObservationTTL && age >= -v.f.ObservationTTL, Verdicts: zv.Verdicts, CutOff: zv.CutOff,
			Generation: zv.Generation, Delegation: zv.Delegation})
	}
	agg := fleet.Aggregate(v.obs, zone, v.f.VantageQuorum, v.f.ObservationTTL, v.now)
	fs.Verdict = &agg
	return fs
}

// printFleetStatus writes the fleet section of `status`: who leads, every live member with its
// latest observation, and the fleet's verdict per zone. Without a fleet it writes nothing.
func printFleetStatus(w io.Writer, v *fleetView, zones []string) error {
	if v == nil {
		return nil
	}
	f := v.f
	fmt.Fprintf(w, "fleet %s (etcd %s, vantage_quorum %d, observation_ttl %v)\n", f.ID, strings.Join(f.Etcd.Endpoints, ","), f.VantageQuorum, f.ObservationTTL)
	if v.err != nil {
		fmt.Fprintf(w, "  coordination lost: %v\n", v.err)
		return nil
	}
	fmt.Fprintf(w, "  leader: %s\n", orNobody(v.leader))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  member\tseen\tzone\tverdicts")
	for _, o := range v.obs {
		name := o.Member
		if o.Member == v.leader {
			name += " (leader)"
		}
		for _, z := range slices.Sorted(maps.Keys(o.Zones)) {
			fmt.Fprintf(tw, "  %s\t%s ago\t%s\t%s\n", name, v.now.Sub(o.At).Round(time.Second), z, viewText(o.Zones[z]))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, z := range zones {
		agg := v.zone(z).Verdict
		var parts []string
		for _, p := range sortedProviders(*agg) {
			parts = append(parts, p+" "+agg.Providers[p].String())
		}
		if len(parts) == 0 {
			parts = append(parts, "no live observation")
		}
		fmt.Fprintf(w, "  %s fleet verdict: %s\n", z, strings.Join(parts, "; "))
	}
	return nil
}

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}
