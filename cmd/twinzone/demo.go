package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/demo"
)

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "watch a failover on this machine: in-process DNS servers, nothing to install, no credentials",
		Description: "Starts three in-process authoritative servers on 127.0.0.1 (a parent zone test. and two " +
			"providers of example.test.), writes a temporary twinzone.yaml using the rfc2136 provider and " +
			"registrar, then: sync both providers, probe them, stop the primary, fail over automatically while " +
			"an iterative resolver keeps resolving through the parent, bring the primary back and fail back. " +
			"It prints a timeline with measured times and exits 1 if a step fails. Everything is removed at the end.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "mode", Aliases: []string{"m"}, Value: "active-active", Usage: "delegation mode: active-active or switch"},
			&cli.DurationFlag{Name: "hold", Value: demo.DefaultHold, Usage: "how long each phase is watched after its step"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json"},
			&cli.StringFlag{Name: "log-level", Value: "error", Usage: "debug, info, warn or error"},
		},
		Action: func(c *cli.Context) error {
			mode := c.String("mode")
			if mode != "active-active" && mode != "switch" {
				return withCode(exitError, fmt.Errorf("--mode %q: want active-active or switch", mode))
			}
			_, err := demo.Run(c.Context, demo.Options{Mode: mode, Hold: c.Duration("hold"), Out: c.App.Writer, Logger: newLogger(c)})
			if err != nil {
				return withCode(exitError, err)
			}
			return nil
		},
	}
}
