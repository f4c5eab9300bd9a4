package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/failover"
)

func failoverCommand() *cli.Command {
	return &cli.Command{
		Name:  "failover",
		Usage: "move the delegation away from a provider now (manual emergency failover)",
		Description: "Preflight first: the remaining provider must answer authoritatively on all its addresses, " +
			"serve the current sync stamp (failover.require_in_sync) and, when the parent publishes DS records, " +
			"a DNSKEY that matches one. Then the registrar is asked for the new NS set and the parent's servers " +
			"are polled until they publish it. No DNS provider API is called, so this works while the primary's " +
			"API is down. --yes is required when stdin is not a terminal.",
		Flags: commonFlags(
			&cli.StringFlag{Name: "from", Usage: "the provider to take out of the delegation (default: the zone's primary)"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "preflight only; the registrar is not called"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			&cli.BoolFlag{Name: "force", Usage: "go on when preflight finds problems (they are still reported and journaled)"},
		),
		Action: func(c *cli.Context) error {
			return manualChange(c, "failover")
		},
	}
}

func failbackCommand() *cli.Command {
	return &cli.Command{
		Name:  "failback",
		Usage: "restore the normal delegation (after a failover)",
		Description: "Preflight on the providers of the normal delegation (authoritative on every address, " +
			"current sync stamp, DNSSEC keys matching the parent's DS), then the registrar is asked for the " +
			"normal NS set and the parent's servers are polled. --yes is required when stdin is not a terminal.",
		Flags: commonFlags(
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "preflight only; the registrar is not called"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			&cli.BoolFlag{Name: "force", Usage: "go on when preflight finds problems (they are still reported and journaled)"},
		),
		Action: func(c *cli.Context) error {
			return manualChange(c, "failback")
		},
	}
}

// manualChange runs `failover` or `failback` on the one selected zone.
func manualChange(c *cli.Context, kind string) error {
	l, err := load(c)
	if err != nil {
		return withCode(exitError, err)
	}
	zc, err := oneZone(l, c.StringSlice("zone"))
	if err != nil {
		return withCode(exitError, err)
	}
	if zc.Registrar == "" && !c.Bool("dry-run") {
		return withCode(exitError, fmt.Errorf("zone %s has no registrar: add `registrar:` to it in %s (or use --dry-run to run the preflight only)", zc.Name, l.cfg.File))
	}
	ctrl, err := l.controller(c, controller.Options{})
	if err != nil {
		return withCode(exitError, err)
	}
	z, _ := ctrl.Zone(zc.Name)
	from := c.String("from")
	if kind == "failover" && from == "" {
		from = zc.Primary.Provider
	}
	if kind == "failover" && from != zc.Primary.Provider && from != zc.Secondary.Provider {
		return withCode(exitError, fmt.Errorf("--from %q: the providers of %s are %s (primary) and %s (secondary)", from, zc.Name, zc.Primary.Provider, zc.Secondary.Provider))
	}
	w := c.App.Writer
	var d failover.Decision
	if kind == "failover" {
		d, err = z.Engine().ManualFailover(from)
		if err != nil {
			return withCode(exitError, err)
		}
	} else {
		d = z.Engine().ManualFailback()
	}
	if d.Kind == failover.None {
		fmt.Fprintf(w, "%s: nothing to do: %s (current delegation: %v; `twinzone status` shows what the parent publishes)\n", zc.Name, d.Reason, z.Engine().Current())
		return nil
	}
	fmt.Fprintf(w, "%s: %s: delegation %v -> %v\n  new NS set: %s\n", zc.Name, kind, z.Engine().Current(), d.Providers, strings.Join(d.Set.Names(), " "))
	if !c.Bool("dry-run") && !c.Bool("yes") {
		if !stdinIsTerminal(c) {
			return withCode(exitError, errors.New("stdin is not a terminal: add --yes to confirm the change (or --dry-run to check first)"))
		}
		if !confirm(c.App.Reader, w, "type yes to ask the registrar for this change: ") {
			return withCode(exitError, errors.New("not confirmed: nothing changed"))
		}
	}
	o := controller.ManualOptions{Force: c.Bool("force"), DryRun: c.Bool("dry-run")}
	var out failover.Outcome
	if kind == "failover" {
		out, err = z.Failover(c.Context, from, o)
	} else {
		out, err = z.Failback(c.Context, o)
	}
	printOutcome(w, out)
	if err != nil {
		if errors.Is(err, failover.ErrPreflight) {
			return withCode(exitError, fmt.Errorf("%s not done: preflight refused (problems above)\n  next: fix the target provider (`twinzone probe`, `twinzone sync`), or add --force to go on anyway", kind))
		}
		return withCode(exitError, fmt.Errorf("%s not done: %w\n  next: fix the problem above and run it again; `twinzone status` shows the delegation", kind, err))
	}
	return nil
}

func confirm(r io.Reader, w io.Writer, prompt string) bool {
	fmt.Fprint(w, prompt)
	line, _ := bufio.NewReader(r).ReadString('\n')
	return strings.TrimSpace(strings.ToLower(line)) == "yes"
}

func printOutcome(w io.Writer, out failover.Outcome) {
	switch {
	case out.Preflight.OK:
		fmt.Fprintf(w, "  preflight: ok (%d addresses answer authoritatively with the current stamp)\n", len(out.Preflight.Results))
	case out.Preflight.Forced:
		fmt.Fprintln(w, "  preflight: PROBLEMS, overridden by --force:")
	case len(out.Preflight.Problems) > 0:
		fmt.Fprintln(w, "  preflight: refused:")
	}
	for _, p := range out.Preflight.Problems {
		fmt.Fprintf(w, "    - %s\n", p)
	}
	switch {
	case out.DryRun && out.Error == "":
		fmt.Fprintln(w, "  dry run: the registrar was not called")
	case out.Applied && out.ParentConfirmed:
		fmt.Fprintf(w, "  done: the registrar accepted the change and the parent's servers publish it (%s)\n", out.Finished.Sub(out.Started).Round(time.Millisecond))
	case out.Applied && out.ParentError != "":
		fmt.Fprintf(w, "  done at the registrar; the parent's servers do not publish it yet: %s\n  next: `twinzone status` in a few minutes\n", out.ParentError)
	case out.Applied:
		fmt.Fprintln(w, "  done at the registrar (the parent's servers are unknown: not confirmed)")
	}
}
