package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check the config and zone files; no network (exit 0 valid, 1 invalid)",
		Flags: commonFlagsLevel("warn"),
		Action: func(c *cli.Context) error {
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			for _, zd := range l.zones {
				fmt.Fprintf(c.App.Writer, "%s: %s valid (%s)\n", zd.cfg.Name, zd.cfg.File, count(len(zd.file.RRsets), "RRset", "RRsets"))
			}
			fmt.Fprintf(c.App.Writer, "%s: valid\n", l.cfg.File)
			return nil
		},
	}
}
