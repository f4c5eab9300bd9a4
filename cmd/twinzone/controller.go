package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/plan"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
)

// controller builds the failover controller of the selected zones. It never opens a DNS
// provider (their APIs may be down with them): probes, the registrar and the parent's servers
// are all it talks to.
func (l *loaded) controller(c *cli.Context, opts controller.Options) (*controller.Controller, error) {
	st, err := l.store()
	if err != nil {
		return nil, err
	}
	opts.Config, opts.Store, opts.Logger = l.cfg, st, l.log
	if opts.Out == nil {
		opts.Out = c.App.Writer
	}
	for _, zd := range l.zones {
		opts.Zones = append(opts.Zones, controller.ZoneSpec{Config: zd.cfg, StampHash: zd.hash})
	}
	ctrl, err := controller.New(c.Context, opts)
	if err != nil {
		return nil, fmt.Errorf("%w (check the nameservers of the zone in %s)", err, l.cfg.File)
	}
	return ctrl, nil
}

// syncAll converges every selected zone on both providers (the controller's periodic sync;
// the controller holds the state lock around it).
func (l *loaded) syncAll(ctx context.Context) []controller.SyncReport {
	var out []controller.SyncReport
	for _, zd := range l.zones {
		syncer := &tzsync.Syncer{Logger: l.log.With("zone", zd.cfg.Name)}
		targets, errs := l.zoneTargets(ctx, zd)
		for _, err := range errs {
			out = append(out, controller.SyncReport{Zone: zd.cfg.Name, Err: err})
		}
		results := syncer.Sync(ctx, targets, zd.file.RRsets, tzsync.Options{Policies: policiesOf(zd)})
		for _, r := range results {
			out = append(out, controller.SyncReport{Zone: zd.cfg.Name, Provider: r.Target, Err: r.Err})
		}
		if err := l.recordSync(ctx, zd, results); err != nil {
			out = append(out, controller.SyncReport{Zone: zd.cfg.Name, Err: err})
		}
	}
	return out
}

// stdinIsTerminal reports whether the command can ask a human for confirmation.
func stdinIsTerminal(c *cli.Context) bool {
	f, ok := c.App.Reader.(*os.File)
	if c.App.Reader == nil {
		f, ok = os.Stdin, true
	}
	return ok && term.IsTerminal(int(f.Fd()))
}

// policiesOf are the safety policies of a zone (the same as `twinzone sync` applies).
func policiesOf(zd zoneData) []plan.Policy {
	return []plan.Policy{
		plan.MaxChangeFraction{Fraction: zd.cfg.Safety.MaxChangeFraction, MinExisting: zd.cfg.Safety.MinExisting},
		plan.NoDeleteAll{},
	}
}
