package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers"
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
			// The zone file is what import writes: it need not exist yet.
			cfg, err := config.LoadForImport(c.String("config"), providers.Types())
			if err != nil {
				return withCode(exitError, configNotFound(c, err))
			}
			l := &loaded{cfg: cfg, log: newLogger(c)}
			for _, w := range cfg.Warnings {
				l.log.Warn(w)
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
			if sets, err = withoutIgnored(c.App.ErrWriter, zc, sets); err != nil {
				return withCode(exitError, err)
			}
			if u, ok := p.(provider.Unmanaged); ok {
				left, err := u.Unmanaged(c.Context, zc.Name)
				if err != nil {
					return withCode(exitError, fmt.Errorf("import %s from %s: %w", zc.Name, c.Args().First(), err))
				}
				for _, r := range left {
					fmt.Fprintf(c.App.ErrWriter, "left out (no zone-file form twinzone can keep in sync): %s %s: %s\n", r.Key.Name, zone.TypeString(r.Key.Type), r.Reason)
				}
			}
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

// withoutIgnored drops the RRsets the zone's ignore rules cover (twinzone never manages them,
// so they do not belong in its zone file) and says how many.
func withoutIgnored(w io.Writer, zc *config.Zone, sets []zone.RRset) ([]zone.RRset, error) {
	if len(zc.Ignore) == 0 {
		return sets, nil
	}
	rules := make([]plan.IgnoreRule, len(zc.Ignore))
	for i, r := range zc.Ignore {
		rules[i] = plan.IgnoreRule{Name: r.Name, Type: r.Type}
	}
	match, err := plan.Ignorer(rules, zc.Name)
	if err != nil {
		return nil, fmt.Errorf("zone %s: ignore: %w", zc.Name, err)
	}
	kept := sets[:0:0]
	var left []string
	for _, s := range sets {
		if match(s.Key()) {
			left = append(left, s.Name+" "+zone.TypeString(s.Type))
			continue
		}
		kept = append(kept, s)
	}
	if len(left) > 0 {
		fmt.Fprintf(w, "left out by the zone's ignore rules: %s (%s)\n", count(len(left), "RRset", "RRsets"), strings.Join(left, ", "))
	}
	return kept, nil
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
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil { // zones/ on a fresh setup
		return withCode(exitError, fmt.Errorf("import: %w", err))
	}
	f, err := os.OpenFile(out, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return withCode(exitError, fmt.Errorf("import: %s exists: use --overwrite to replace it", out))
	}
	if err != nil {
		return withCode(exitError, fmt.Errorf("import: %w", err))
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
