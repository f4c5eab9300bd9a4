package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// docsHeader starts docs/cli.md; the reference below it is generated from the commands.
const docsHeader = "<!-- Generated from the CLI: do not edit. Regenerate with\n" +
	"     go test ./cmd/twinzone -run TestCLIDocs -update   (or: twinzone docs --markdown > docs/cli.md) -->\n\n"

// cliMarkdown renders the command reference (docs/cli.md) from a fresh app, so that the
// output does not depend on how the running process was invoked. urfave/cli's markdown
// leaves out each command's synopsis and description; they are added below its usage line.
func cliMarkdown() (string, error) {
	app := newApp(io.Discard, io.Discard)
	md, err := app.ToMarkdown()
	if err != nil {
		return "", fmt.Errorf("render the command reference: %w", err)
	}
	for _, c := range app.Commands {
		if c.Hidden || c.Usage == "" {
			continue
		}
		head := "## " + strings.Join(c.Names(), ", ") + "\n\n" + c.Usage + "\n"
		i := strings.Index(md, head)
		if i < 0 {
			continue
		}
		synopsis := strings.TrimSpace(app.Name + " " + c.Name + " [command options] " + c.ArgsUsage)
		extra := "\n```\n" + synopsis + "\n```\n"
		if c.Description != "" {
			extra += "\n" + strings.TrimSpace(c.Description) + "\n"
		}
		at := i + len(head)
		md = md[:at] + extra + md[at:]
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
