package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/reconcile"
)

func syncCommand() *cli.Command {
	return &cli.Command{
		Name:  "sync",
		Usage: "converge both providers to the zone file (prints the plan first)",
		Description: "Both providers are synced at once; one failing never stops the other. The safety " +
			"policy (safety.max_change_fraction over safety.min_existing RRsets, and never deleting " +
			"every record, never pushing a zone file older (by SOA serial) than what a provider serves) refuses a " +
			"plan unless --force. Exit status: 0 converged, 1 error.",
		Flags: commonFlags(
			&cli.BoolFlag{Name: "force", Usage: "apply plans the safety policy refuses"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "plan and print, write nothing"},
		),
		Action: func(c *cli.Context) error {
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			lease, err := l.lock(c)
			if err != nil {
				return withCode(exitError, err)
			}
			defer func() { _ = lease.Unlock() }()
			if !c.Bool("dry-run") {
				l.progress = newSyncProgress(c)
			}
			plans, errs := l.run(c, reconcile.Options{DryRun: c.Bool("dry-run"), Force: c.Bool("force")}, lease)
			l.progress.finish()
			if err := renderPlans(c, c.App.Writer, "text", plans); err != nil {
				errs = append(errs, err)
			}
			if len(errs) > 0 {
				return withCode(exitError, joinErrors(errs))
			}
			if c.Bool("dry-run") {
				fmt.Fprintln(c.App.Writer, "dry run: nothing written")
			} else {
				fmt.Fprintln(c.App.Writer, "converged")
			}
			return nil
		},
	}
}
