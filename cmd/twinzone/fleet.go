package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/check"
	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/fleet"
)

// fleetHolder names this process in the fleet's change records.
func fleetHolder(f *config.Fleet) string {
	h, _ := os.Hostname()
	return fmt.Sprintf("member %s (%s pid %d)", f.ID, h, os.Getpid())
}

// fleetHistory opens the fleet's etcd store for a command (failover, failback, status): the
// same zone locks and change records as the members'. It is closed when ctx ends.
func fleetHistory(ctx context.Context, f *config.Fleet) (*fleet.Store, error) {
	s, cli, err := fleet.Open(f, fleetHolder(f))
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { _ = s.Close(); _ = cli.Close() })
	return s, nil
}

// fleetMember makes opts a fleet member's: the etcd store as the History, a Coordinator
// (session, campaign, observations) running until stop is called, which revokes the lease.
func (l *loaded) fleetMember(ctx context.Context, opts *controller.Options) (stop func(), err error) {
	f := l.cfg.Fleet
	s, cli, err := fleet.Open(f, fleetHolder(f))
	if err != nil {
		return nil, err
	}
	co := fleet.NewCoordinator(s, fleet.NewMember(s, f.ID), f.VantageQuorum, f.ObservationTTL, fleet.NewMetrics())
	opts.History, opts.Fleet = s, co
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); co.Run(mctx) }()
	l.log.Info("fleet member started", "member", f.ID, "etcd", f.Etcd.Endpoints, "prefix", f.Etcd.Prefix,
		"vantage_quorum", f.VantageQuorum, "observation_ttl", f.ObservationTTL.String())
	return func() { cancel(); <-done; _ = cli.Close() }, nil
}

// fleetFindings are `check`'s findings on the fleet section (none without one): etcd answers,
// the credentials read the prefix, a member leads, the vantage quorum is reachable now.
func fleetFindings(ctx context.Context, cfg *config.Config) []check.Finding {
	f := cfg.Fleet
	if f == nil {
		return nil
	}
	s, cli, err := fleet.Open(f, fleetHolder(f))
	if err != nil {
		return []check.Finding{{Check: "fleet-etcd", Severity: check.Fail, Message: err.Error(), Fix: "fix the fleet section of the config"}}
	}
	defer cli.Close()
	var out []check.Finding
	for _, x := range fleet.Check(ctx, s, f.VantageQuorum, f.ObservationTTL, cfg.ZoneNames(), time.Now()) {
		cf := check.Finding{Check: x.Check, Subject: x.Subject, Severity: check.Severity(x.Severity), Message: x.Message, Fix: x.Fix}
		if x.Check == "fleet-quorum" {
			cf.Zone, cf.Subject = x.Subject, "" // per zone: the zone column says it
		}
		out = append(out, cf)
	}
	return out
}

func viewText(v fleet.ZoneView) string {
	var ps []string
	for p := range v.Verdicts {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	var parts []string
	for _, p := range ps {
		parts = append(parts, p+" "+v.Verdicts[p])
	}
	s := strings.Join(parts, ", ")
	if v.CutOff {
		s += " (cut off: its votes do not count)"
	}
	if v.Generation != nil {
		s += fmt.Sprintf(" [generation %d]", *v.Generation)
	}
	if len(v.Delegation) > 0 {
		s += " [delegation " + strings.Join(v.Delegation, " ") + "]"
	} else {
		s += " [delegation unread]"
	}
	return s
}

func sortedProviders(v fleet.ZoneVerdict) []string {
	var out []string
	for p := range v.Providers {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
