package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "write a provider's current records as a zone file (bootstrap)",
		ArgsUsage: "PROVIDER",
		Description: "Reads every RRset PROVIDER serves for the zone (--zone, or the config's only zone) and " +
			"writes it as an RFC 1035 zone file to --output (default: stdout). The sync stamp is left out.",
		Flags: commonFlags(
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "file to write (default: stdout); never overwritten without --overwrite"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace --output if it exists"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return withCode(exitError, fmt.Errorf("import: name one provider (e.g. twinzone import cf --zone example.com.)"))
			}
			l, err := loadConfigOnly(c)
			if err != nil {
				return withCode(exitError, err)
			}
			zc, err := oneZone(l, c.StringSlice("zone"))
			if err != nil {
				return withCode(exitError, err)
			}
			p, err := l.openProvider(c.Context, c.Args().First())
			if err != nil {
				return withCode(exitError, err)
			}
			sets, err := p.Records(c.Context, zc.Name)
			if err != nil {
				return withCode(exitError, fmt.Errorf("import %s from %s: %w", zc.Name, c.Args().First(), err))
			}
			sets = withoutStamp(sets, zc.Name)
			if pc := l.cfg.Providers[c.Args().First()]; pc != nil && pc.Type == "cloudflare" {
				var ns nameserver.Set
				for _, ref := range []config.ProviderRef{zc.Primary, zc.Secondary} {
					if ref.Provider == pc.Name {
						ns = ref.Nameservers
					}
				}
				if sets, err = cloudflare.FlattenApex(c.Context, zc.Name, sets, cloudflare.DNSEdgeLookup(ns, edgeTimeout)); err != nil {
					return withCode(exitError, fmt.Errorf("import %s from %s: %w", zc.Name, c.Args().First(), err))
				}
				if pl, ok := p.(interface{ ProxiedNames(string) []string }); ok {
					if names := pl.ProxiedNames(zc.Name); len(names) > 0 {
						sets = cloudflare.ImportProxied(sets, names)
						fmt.Fprintf(c.App.ErrWriter, "proxied on Cloudflare (written with TTL %d; list them under the zone's proxied key to choose what the other provider serves): %s\n",
							cloudflare.AutoTTL, strings.Join(names, " "))
					}
				}
			}
			z := &zone.Zone{Origin: zc.Name, RRsets: sets}
			return writeZone(c, z)
		},
	}
}

func writeZone(c *cli.Context, z *zone.Zone) error {
	out := c.String("output")
	if out == "" {
		return zone.Render(c.App.Writer, z)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if c.Bool("overwrite") {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(out, flags, 0o644)
	if err != nil {
		return withCode(exitError, fmt.Errorf("import: %w (use --overwrite to replace it)", err))
	}
	var w io.Writer = f
	err = zone.Render(w, z)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return withCode(exitError, fmt.Errorf("import: write %s: %w", out, err))
	}
	fmt.Fprintf(c.App.ErrWriter, "wrote %s of %s to %s\n", count(len(z.RRsets), "RRset", "RRsets"), z.Origin, out)
	return nil
}
