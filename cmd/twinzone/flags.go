package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// commonFlags are accepted after every command name (twinzone plan --config f.yaml).
func commonFlags(extra ...cli.Flag) []cli.Flag {
	return commonFlagsLevel("info", extra...)
}

// commonFlagsLevel is commonFlags with another default log level (quiet read-only commands).
func commonFlagsLevel(level string, extra ...cli.Flag) []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "twinzone.yaml", EnvVars: []string{"TWINZONE_CONFIG"}, Usage: "configuration file"},
		&cli.StringSliceFlag{Name: "zone", Aliases: []string{"z"}, Usage: "only this zone (repeatable); default: every zone in the config"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
		&cli.StringFlag{Name: "log-level", Value: level, Usage: "debug, info, warn or error"},
		&cli.BoolFlag{Name: "no-color", EnvVars: []string{"NO_COLOR"}, Usage: "no colours in output"},
	}, extra...)
}

// newLogger builds the one logger of the process, on stderr.
func newLogger(c *cli.Context) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.String("log-level")))
	opts := &slog.HandlerOptions{Level: level}
	w := c.App.ErrWriter
	if c.String("log-format") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// useColor reports whether w is a terminal and colours are not turned off.
func useColor(c *cli.Context, w io.Writer) bool {
	if c.Bool("no-color") || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	if g, ok := w.(*stderrGate); ok {
		w = g.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
