package main

import (
	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/providers"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "the controller: probe loop, periodic sync, automatic failover, /metrics and /healthz",
		Description: "Probes every zone at its probe.interval, fails over by itself within the guards " +
			"(fail_after, quorum, cooldown, max_per_day, cut-off detection, preflight), syncs both providers " +
			"every --sync-interval, serves Prometheus /metrics and /healthz on controller.listen, and calls " +
			"controller.webhook on every state change. Every round it re-reads the delegation at the parent, the " +
			"shared history and the zone file (a changed file is adopted without a restart), so a `twinzone sync` " +
			"from CI or a `twinzone failover`/`failback` from another shell is seen within one round. The state " +
			"lock is taken only around a sync or a delegation change. Stops cleanly on SIGTERM or Ctrl-C.",
		Flags: commonFlags(
			&cli.DurationFlag{Name: "sync-interval", Value: controller.DefaultSyncInterval, Usage: "how often to sync both providers; 0 turns periodic sync off"},
			&cli.StringFlag{Name: "listen", Usage: "address of /metrics and /healthz (overrides controller.listen; \"-\" turns it off)"},
		),
		Action: func(c *cli.Context) error {
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			opts := controller.Options{Listen: c.String("listen"), SyncInterval: c.Duration("sync-interval")}
			opts.LoadConfig = func() (*config.Config, error) { return config.Load(l.cfg.File, providers.Types()) }
			if opts.SyncInterval > 0 {
				opts.Sync = l.reconcileOptions()
			}
			if l.cfg.Fleet != nil {
				stop, err := l.fleetMember(c.Context, &opts)
				if err != nil {
					return withCode(exitError, err)
				}
				defer stop()
			}
			ctrl, err := l.controller(c, opts)
			if err != nil {
				return withCode(exitError, err)
			}
			l.log.Info("controller started", "zones", len(ctrl.Zones()))
			if err := ctrl.Run(c.Context); err != nil {
				return withCode(exitError, err)
			}
			return nil
		},
	}
}
