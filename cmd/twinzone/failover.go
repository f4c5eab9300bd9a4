package main

import (
	"bufio"
	"context"
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

// manualChange runs `failover` or `failback` on the one selected zone, in the order a person
// at 3 a.m. needs: the preflight (the controller's dry run: probes only) and a read-only
// registrar call are printed first; only then is confirmation asked and the change made. A
// refused or failed change ends with what to do next.
func manualChange(c *cli.Context, kind string) error {
	l, err := load(c)
	if err != nil {
		return withCode(exitError, err)
	}
	zc, err := oneZone(l, c.StringSlice("zone"))
	if err != nil {
		return withCode(exitError, err)
	}
	dry, force := c.Bool("dry-run"), c.Bool("force")
	if zc.Registrar == "" && !dry {
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
	names := strings.Join(d.Set.Names(), " ")
	fmt.Fprintf(w, "%s: %s: delegation %v -> %v\n  new NS set: %s\n", zc.Name, kind, z.Engine().Current(), d.Providers, names)
	change := func(o controller.ManualOptions) (failover.Outcome, error) {
		if kind == "failover" {
			return z.Failover(c.Context, from, o)
		}
		return z.Failback(c.Context, o)
	}

	// 1. Preflight, before anything is asked or changed.
	pre, err := change(controller.ManualOptions{DryRun: true, Force: force})
	printPreflight(w, pre)
	if err != nil {
		return withCode(exitError, notDone(kind, err, names))
	}
	// 2. The registrar, read-only: wrong credentials show now, not after three attempts.
	if err := checkRegistrar(c, l, zc.Registrar, zc.Name, z); err != nil {
		if dry {
			return withCode(exitError, fmt.Errorf("%s --dry-run: the registrar check failed: %w\n  next: fix the registrar's configuration or credentials (`twinzone check` tests them), then run the dry run again", kind, err))
		}
		fmt.Fprintf(w, "  registrar: WARNING: the read-only check failed: %v\n    the change below will probably fail too\n", err)
	}
	if dry {
		fmt.Fprintf(w, "  dry run: nothing changed; run `twinzone %s` without --dry-run to make the change\n", kind)
		return nil
	}
	// 3. Confirmation.
	if !c.Bool("yes") {
		if !stdinIsTerminal(c) {
			return withCode(exitError, errors.New("stdin is not a terminal: add --yes to confirm the change (or --dry-run to check first); nothing changed"))
		}
		if !confirm(c.App.Reader, w, "type yes to ask the registrar for this change: ") {
			return withCode(exitError, fmt.Errorf("not confirmed: nothing changed\n  next: run `twinzone %s` again and type yes, or add --yes", kind))
		}
	}
	// 4. The change (the runner checks the preflight again: the world may have moved).
	out, err := change(controller.ManualOptions{Force: force})
	if !out.Preflight.OK && !out.Preflight.Forced {
		printPreflight(w, out)
	}
	printOutcome(w, out)
	if err != nil {
		return withCode(exitError, notDone(kind, err, names))
	}
	return nil
}

// checkRegistrar asks the zone's registrar for the current NS set (read-only) and prints it.
// exec and manual registrars cannot be checked without a change: that is said, not failed.
func checkRegistrar(c *cli.Context, l *loaded, name, zoneName string, z *controller.Zone) error {
	w := c.App.Writer
	if name == "" {
		fmt.Fprintln(w, "  registrar: none configured (the zone has no `registrar:`)")
		return nil
	}
	if rc := l.cfg.Registrars[name]; rc != nil && rc.SetOnly() {
		fmt.Fprintf(w, "  registrar %s (%s): cannot be checked without a change\n", name, rc.Type)
		return nil
	}
	reg, err := z.Registrar()
	if err != nil {
		return fmt.Errorf("registrar %s: %w", name, err)
	}
	if reg == nil {
		return fmt.Errorf("registrar %s: not opened", name)
	}
	ctx, cancel := context.WithTimeout(c.Context, 30*time.Second)
	defer cancel()
	ns, err := reg.Nameservers(ctx, zoneName)
	if err != nil {
		return fmt.Errorf("registrar %s: read the NS set of %s: %w", name, zoneName, err)
	}
	fmt.Fprintf(w, "  registrar %s: answers; it has %s\n", name, orNone(ns))
	return nil
}

func orNone(ns []string) string {
	if len(ns) == 0 {
		return "no NS set (not delegated)"
	}
	return strings.Join(ns, " ")
}

// notDone is the error of a refused or failed change, with the next steps.
func notDone(kind string, err error, names string) error {
	switch {
	case errors.Is(err, failover.ErrPreflight):
		return fmt.Errorf("%s not done: preflight refused (problems above); nothing changed\n  next: fix the target provider (`twinzone probe` shows what it answers, `twinzone sync` brings it up to date), or add --force to go on anyway", kind)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s interrupted: %w\n  next: `twinzone status` shows what the parent publishes now; run `twinzone %s` again if it did not change", kind, err, kind)
	}
	return fmt.Errorf("%s not done: %w\n  next: fix the registrar (`twinzone check` tests its credentials) and run `twinzone %s` again,\n        or set the nameservers by hand at the registrar: %s\n        (`twinzone status` shows what the parent publishes)", kind, err, kind, names)
}

func confirm(r io.Reader, w io.Writer, prompt string) bool {
	fmt.Fprint(w, prompt)
	line, _ := bufio.NewReader(r).ReadString('\n')
	return strings.TrimSpace(strings.ToLower(line)) == "yes"
}

// printPreflight prints the preflight report of out.
func printPreflight(w io.Writer, out failover.Outcome) {
	switch {
	case out.Preflight.OK:
		verb := " answers"
		if len(out.Preflight.Results) != 1 {
			verb = " answer"
		}
		fmt.Fprintf(w, "  preflight: ok (%s%s authoritatively with the current stamp)\n", count(len(out.Preflight.Results), "address", "addresses"), verb)
	case out.Preflight.Forced:
		fmt.Fprintln(w, "  preflight: PROBLEMS, overridden by --force:")
	case len(out.Preflight.Problems) > 0:
		fmt.Fprintln(w, "  preflight: refused:")
	}
	for _, p := range out.Preflight.Problems {
		fmt.Fprintf(w, "    - %s\n", p)
	}
}

// printOutcome prints what the change did.
func printOutcome(w io.Writer, out failover.Outcome) {
	switch {
	case out.Applied && out.ParentConfirmed:
		fmt.Fprintf(w, "  done: the registrar accepted the change and the parent's servers publish it (%s)\n", out.Finished.Sub(out.Started).Round(time.Millisecond))
	case out.Applied && out.ParentError != "":
		fmt.Fprintf(w, "  done at the registrar; the parent's servers do not publish it yet: %s\n  next: `twinzone status` in a few minutes\n", out.ParentError)
	case out.Applied:
		fmt.Fprintln(w, "  done at the registrar (the parent's servers are unknown: not confirmed)")
	}
}
