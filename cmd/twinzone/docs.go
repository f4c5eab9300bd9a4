package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// docsHeader starts docs/cli.md; the reference below it is generated from the commands.
const docsHeader = "<!-- Generated from the CLI: do not edit. Regenerate with\n" +
	"     go test ./cmd/twinzone -run TestCLIDocs -update   (or: twinzone docs --markdown > docs/cli.md) -->\n\n"

// cliMarkdown renders the command reference (docs/cli.md) from a fresh app, so that the
// output does not depend on how the running process was invoked.
func cliMarkdown() (string, error) {
	md, err := newApp(io.Discard, io.Discard).ToMarkdown()
	if err != nil {
		return "", fmt.Errorf("render the command reference: %w", err)
	}
	return docsHeader + md, nil
}

// cliMan renders the man page twinzone(1).
func cliMan() (string, error) {
	man, err := newApp(io.Discard, io.Discard).ToManWithSection(1)
	if err != nil {
		return "", fmt.Errorf("render the man page: %w", err)
	}
	return man, nil
}

// docsCommand prints the command reference as markdown or as a man page. Hidden: it is for
// packagers and for keeping docs/cli.md current.
func docsCommand() *cli.Command {
	return &cli.Command{
		Name:   "docs",
		Usage:  "print the command reference (markdown, or a man page with --man)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "markdown", Usage: "markdown, as in docs/cli.md (the default)"},
			&cli.BoolFlag{Name: "man", Usage: "a man page, section 1 (twinzone docs --man > twinzone.1)"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("man") && c.Bool("markdown") {
				return withCode(exitError, fmt.Errorf("choose one of --man and --markdown"))
			}
			render := cliMarkdown
			if c.Bool("man") {
				render = cliMan
			}
			out, err := render()
			if err != nil {
				return withCode(exitError, err)
			}
			_, err = io.WriteString(c.App.Writer, out)
			return err
		},
	}
}
