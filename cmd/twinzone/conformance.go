package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
)

func conformanceCommand() *cli.Command {
	return &cli.Command{
		Name:      "conformance",
		Usage:     "prove a provider on your own account: run the provider conformance suite against a scratch zone (exit 0 all passed, 1 a failure)",
		ArgsUsage: "PROVIDER",
		Description: "Runs the conformance suite twinzone's adapters run in their tests (" + strings.Join(providertest.CaseNames(), ", ") +
			") against the zone named by --zone on the provider named PROVIDER in the config: it creates, changes and deletes " +
			"multi-value RRsets, long and multi-string TXT and every record type the provider claims, and checks read-back " +
			"and that a second plan is empty. The zone should be a scratch zone: one holding anything but SOA and apex NS " +
			"is refused unless --force (the suite touches only names it creates). After each case the zone is put back as " +
			"it was found. Prints a table to paste into a bug report. Run it before trusting a failover to a provider.",
		Flags: commonFlagsLevel("warn",
			&cli.BoolFlag{Name: "force", Usage: "run on a zone that holds records other than SOA and apex NS"},
			&cli.StringFlag{Name: "run", Usage: "only the cases whose name matches this regular expression"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 && strings.HasPrefix(c.Args().Get(1), "-") {
				// urfave/cli stops at the first argument: read the flags after PROVIDER too.
				return c.App.RunContext(c.Context, reorderedArgs(c))
			}
			if c.NArg() != 1 {
				return withCode(exitError, errors.New("conformance needs one argument: the provider's name in the config"))
			}
			zones := c.StringSlice("zone")
			if len(zones) != 1 || strings.TrimSpace(zones[0]) == "" {
				return withCode(exitError, errors.New("conformance needs --zone ZONE: the scratch zone to run in (exactly one)"))
			}
			opts := providertest.CheckOptions{Force: c.Bool("force")}
			if s := c.String("run"); s != "" {
				re, err := regexp.Compile(s)
				if err != nil {
					return withCode(exitError, fmt.Errorf("--run: %w", err))
				}
				opts.Run = re
			}
			l, err := loadConfigOnly(c)
			if err != nil {
				return withCode(exitError, err)
			}
			name := c.Args().First()
			pc, ok := l.cfg.Providers[name]
			if !ok {
				return withCode(exitError, fmt.Errorf("provider %q is not defined in %s", name, l.cfg.File))
			}
			p, err := l.openProvider(c.Context, name)
			if err != nil {
				return withCode(exitError, fmt.Errorf("provider %s: %w", name, err))
			}
			if _, ro := p.(provider.ReadOnly); ro {
				return withCode(exitError, fmt.Errorf("provider %s (type %s) is verify-only: twinzone never writes it, and the conformance suite writes; run it on the primary that feeds it (the secondary is proven by `twinzone sync`, which waits for its transfer, and `twinzone check`)", name, pc.Type))
			}
			opts.Progress = func(cs string) { fmt.Fprintf(c.App.ErrWriter, "running %s ...\n", cs) }
			started := time.Now().UTC()
			res, err := providertest.Check(c.Context, p, zones[0], opts)
			if err != nil {
				return withCode(exitError, fmt.Errorf("conformance %s on %s: %w", name, zones[0], err))
			}
			failed := writeConformance(c.App.Writer, conformanceHeader{
				Provider: name, Type: pc.Type, Zone: zones[0], Started: started,
			}, res)
			if failed {
				return withCode(exitError, nil)
			}
			return nil
		},
	}
}

type conformanceHeader struct {
	Provider, Type, Zone string
	Started              time.Time
}

// writeConformance prints the report (Markdown, so it pastes into an issue as a table) and
// reports whether a case failed.
func writeConformance(w io.Writer, h conformanceHeader, res []providertest.Result) (failed bool) {
	fmt.Fprintf(w, "twinzone %s conformance: provider %s (type %s), zone %s, %s, %s/%s\n\n",
		version, h.Provider, h.Type, dns.Fqdn(strings.ToLower(h.Zone)), h.Started.Format(time.RFC3339), runtime.GOOS, runtime.GOARCH)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| case\t| result\t| time\t| first problem\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|")
	passed, skipped := 0, 0
	for _, r := range res {
		first := ""
		if r.Status != providertest.Pass && len(r.Messages) > 0 {
			first = r.Messages[0]
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t|\n", r.Case, r.Status, r.Took.Round(time.Millisecond), cell(first))
		switch r.Status {
		case providertest.Fail:
			failed = true
		case providertest.Pass:
			passed++
		case providertest.Skip:
			skipped++
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d of %d cases passed (%d skipped: not claimed by the provider)\n", passed, len(res), skipped)
	for _, r := range res {
		if r.Status != providertest.Fail {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", r.Case)
		for _, m := range r.Messages {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	return failed
}

// cell makes a message fit one table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "..."
	}
	return s
}

// reorderedArgs is the command line again with PROVIDER moved after every flag: the flags
// already parsed, then those written after PROVIDER.
func reorderedArgs(c *cli.Context) []string {
	args := []string{c.App.Name, c.Command.Name}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *cli.BoolFlag:
			args = append(args, fmt.Sprintf("--%s=%t", name, c.Bool(name)))
		case *cli.StringSliceFlag:
			for _, v := range c.StringSlice(name) {
				args = append(args, "--"+name, v)
			}
		default:
			args = append(args, "--"+name, c.String(name))
		}
	}
	return append(append(args, c.Args().Tail()...), c.Args().First())
}
