package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/plan"
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
			plans, errs := l.run(c, tzsync.Options{DryRun: true, Force: true})
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

// run syncs (or, with DryRun, plans) every selected zone on both of its providers and returns
// the plans made and every error; one zone's or provider's failure never stops the others.
func (l *loaded) run(c *cli.Context, opts tzsync.Options) ([]*plan.Plan, []error) {
	var plans []*plan.Plan
	var errs []error
	for _, zd := range l.zones {
		syncer := &tzsync.Syncer{Logger: l.log.With("zone", zd.cfg.Name)}
		if l.progress != nil {
			syncer.Progress = l.progress.update
			if !l.hasZonefile(zd) { // a zone file is rewritten whole on every Apply call
				syncer.BatchSize = progressBatch
			}
		}
		targets, openErrs := l.zoneTargets(c.Context, zd)
		errs = append(errs, openErrs...)
		// A provider that could not be opened or read is a row of the report too.
		for i, name := range unopened(zd, targets) {
			plans = append(plans, plan.Failed(zd.cfg.Name, name, openErrs[i]))
		}
		o := opts
		o.Policies = []plan.Policy{
			plan.MaxChangeFraction{Fraction: zd.cfg.Safety.MaxChangeFraction, MinExisting: zd.cfg.Safety.MinExisting},
			plan.NoDeleteAll{},
		}
		results := syncer.Sync(c.Context, targets, zd.file.RRsets, o)
		for _, r := range results {
			if r.Plan != nil {
				plans = append(plans, r.Plan)
			} else if r.Err != nil {
				plans = append(plans, plan.Failed(zd.cfg.Name, r.Target, r.Err))
			}
			if r.Err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", zd.cfg.Name, r.Err))
			}
		}
		if !opts.DryRun {
			if err := l.recordSync(c.Context, zd, results); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return plans, errs
}

// unopened lists the zone's providers that zoneTargets could not open, in its order.
func unopened(zd zoneData, targets []tzsync.Target) []string {
	var out []string
	for _, name := range zd.cfg.Providers() {
		if !slices.ContainsFunc(targets, func(t tzsync.Target) bool { return t.Name == name }) {
			out = append(out, name)
		}
	}
	return out
}
