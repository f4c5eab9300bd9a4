package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/reconcile"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "show what differs between the zone file and each provider (writes nothing)",
		Description: "Exit status: 0 no changes (or changes without --exit-code), 2 changes with --exit-code, " +
			"1 error. A provider that cannot be read is reported, and the other is still planned.",
		Flags: commonFlagsLevel("warn",
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text, json or markdown"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 2 when there are changes"},
		),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "text" && format != "json" && format != "markdown" {
				return withCode(exitError, fmt.Errorf("--format %q: want text, json or markdown", format))
			}
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			plans, errs := l.run(c, reconcile.Options{DryRun: true, Force: true}, nil)
			if err := renderPlans(c, c.App.Writer, format, plans); err != nil {
				errs = append(errs, err)
			}
			if len(errs) > 0 {
				return withCode(exitError, joinErrors(errs))
			}
			if c.Bool("exit-code") && hasChanges(plans) {
				return withCode(exitChanges, nil)
			}
			return nil
		},
	}
}

func renderPlans(c *cli.Context, w io.Writer, format string, plans []*plan.Plan) error {
	switch format {
	case "json":
		return plan.RenderJSON(w, plans)
	case "markdown":
		return plan.RenderMarkdown(w, plans)
	}
	return plan.RenderText(w, plans, useColor(c, w))
}

func hasChanges(plans []*plan.Plan) bool {
	for _, p := range plans {
		if !p.Empty() {
			return true
		}
	}
	return false
}

// run syncs (or, with DryRun, plans) every selected zone on both of its providers
// (reconcile.RunOnce) and returns the plans made and every error; one zone's or provider's
// failure never stops the others. A real sync is recorded in the shared history under lock.
func (l *loaded) run(c *cli.Context, opts reconcile.Options, lock *syncLock) ([]*plan.Plan, []error) {
	var plans []*plan.Plan
	var errs []error
	base := l.reconcileOptions()
	opts.Open, opts.Adjust, opts.Logger = base.Open, base.Adjust, l.log
	if !opts.DryRun {
		// The controllers' own history (etcd in fleet mode): the fleet sees a CI deploy.
		if h, err := l.history(c); err == nil {
			opts.History = h
		}
	}
	for _, zd := range l.zones {
		syncer := &tzsync.Syncer{Logger: l.log.With("zone", zd.cfg.Name)}
		if l.progress != nil {
			syncer.Progress = l.progress.update
			if !l.hasZonefile(zd) { // a zone file is rewritten whole on every Apply call
				syncer.BatchSize = progressBatch
			}
		}
		o := opts
		o.Syncer, o.Lease = syncer, lock.lease(zd.cfg.Name)
		res := reconcile.RunOnce(c.Context, reconcile.Zone{Config: zd.cfg, Desired: zd.file}, o)
		plans = append(plans, res.Plans...)
		errs = append(errs, res.Errs...)
		for _, n := range res.Notes {
			l.log.Warn(n)
		}
	}
	return plans, errs
}

// reconcileOptions are the options of every sync this process runs: providers opened once
// per process, and the zone's proxied names applied to the targets.
func (l *loaded) reconcileOptions() *reconcile.Options {
	return &reconcile.Options{Open: l.openProvider, Logger: l.log,
		Adjust: func(ctx context.Context, z reconcile.Zone, ts []tzsync.Target) ([]tzsync.Target, []error) {
			return l.applyProxied(ctx, zoneData{cfg: z.Config, file: z.Desired}, ts)
		}}
}
