package main

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/check"
	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "readiness report: would this setup survive an outage of one provider? (exit 0 ready, 1 not ready)",
		Description: "Checks, per zone: credentials (read-only calls to each provider and the registrar); " +
			"a registrar independent of the primary's company; Cloudflare traps (undelegated Free-plan zones " +
			"are deleted after 7 days, multi-provider setting); NS TTLs at the parent and at each provider " +
			"(over 1 h warns in switch mode); DS at the parent against each provider's DNSKEY; every " +
			"nameserver address serves the current sync stamp. One line per finding with its severity " +
			"(ok, warn, fail) and the fix. Nothing is written anywhere.",
		Flags: commonFlagsLevel("warn",
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text or json"},
			&cli.StringSliceFlag{Name: "parent-server", Usage: "ip[:port] of a server publishing the parent zone (repeatable); " +
				"default: the rfc2136 registrar's server, else the parent zone's nameservers"},
		),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "text" && format != "json" {
				return withCode(exitError, fmt.Errorf("--format %q: want text or json", format))
			}
			var parents []netip.AddrPort
			for _, s := range c.StringSlice("parent-server") {
				ap, err := nameserver.ParseAddr(s)
				if err != nil {
					return withCode(exitError, fmt.Errorf("--parent-server %q: %w (want ip or ip:port)", s, err))
				}
				parents = append(parents, ap)
			}
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			opts := check.Options{
				Config: l.cfg,
				Logger: l.log,
				OpenProvider: func(ctx context.Context, p *config.Provider) (provider.Provider, error) {
					return l.openProvider(ctx, p.Name)
				},
				OpenRegistrar: func(ctx context.Context, r *config.Registrar) (registrar.Registrar, error) {
					return registrars.OpenWith(ctx, r, l.log, registrars.Options{Out: c.App.ErrWriter})
				},
			}
			if len(parents) > 0 {
				opts.ParentServers = func(context.Context, *config.Zone) ([]netip.AddrPort, error) { return parents, nil }
			}
			zones := make([]check.Zone, len(l.zones))
			for i, zd := range l.zones {
				zones[i] = check.Zone{Config: zd.cfg, Stamp: zd.stamp}
			}
			rep := check.Run(c.Context, opts, zones)
			rep.Findings = append(rep.Findings, fleetFindings(c.Context, l.cfg)...)
			if format == "json" {
				err = rep.WriteJSON(c.App.Writer)
			} else {
				err = rep.WriteText(c.App.Writer)
			}
			if err != nil {
				return withCode(exitError, err)
			}
			if !rep.Ready() {
				return withCode(exitError, nil)
			}
			return nil
		},
	}
}
