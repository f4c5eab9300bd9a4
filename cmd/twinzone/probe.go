package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/probe"
)

func probeCommand() *cli.Command {
	return &cli.Command{
		Name:  "probe",
		Usage: "ask every nameserver address of both providers for the apex SOA and the sync stamp",
		Description: "Each address is asked directly (RD=0). A provider is unhealthy when at least its quorum " +
			"of addresses fails (timeout, refused, not authoritative, stale stamp, ...). No provider API is " +
			"called. Exit status: 0 healthy, 3 a provider unhealthy, 1 error. --watch repeats every probe interval.",
		Flags: commonFlagsLevel("warn",
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text or json"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "probe again every probe interval until interrupted"},
		),
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "text" && format != "json" {
				return withCode(exitError, fmt.Errorf("--format %q: want text or json", format))
			}
			l, err := load(c)
			if err != nil {
				return withCode(exitError, err)
			}
			ctrl, err := l.controller(c, controller.Options{ProbeOnly: true})
			if err != nil {
				return withCode(exitError, err)
			}
			for {
				unhealthy, err := probeOnce(c, ctrl, format)
				if err != nil {
					return withCode(exitError, err)
				}
				if !c.Bool("watch") {
					if len(unhealthy) > 0 {
						return withCode(exitUnhealthy, fmt.Errorf("unhealthy: %v (see the reasons above; `twinzone status` shows the delegation)", unhealthy))
					}
					return nil
				}
				interval := ctrl.Zones()[0].Config.Probe.Interval
				select {
				case <-c.Context.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
}

// probeResult is one line of `probe --format json`.
type probeResult struct {
	Zone       string  `json:"zone"`
	Provider   string  `json:"provider"`
	Nameserver string  `json:"nameserver"`
	Addr       string  `json:"addr"`
	Reason     string  `json:"reason"`
	Transport  string  `json:"transport"`
	LatencyMS  float64 `json:"latency_ms"`
	Serial     uint32  `json:"serial,omitempty"`
	Stamp      string  `json:"stamp,omitempty"`
	InSync     bool    `json:"in_sync"`
	Detail     string  `json:"detail,omitempty"`
}

// probeOnce probes every zone once, prints the results and returns "zone/provider" of every
// unhealthy provider.
func probeOnce(c *cli.Context, ctrl *controller.Controller, format string) ([]string, error) {
	var rows []probeResult
	var unhealthy []string
	for _, z := range ctrl.Zones() {
		r := z.Probe(c.Context, time.Now())
		for _, res := range r.Results {
			rows = append(rows, probeResult{Zone: z.Name, Provider: res.Provider, Nameserver: res.Nameserver, Addr: res.Addr.String(),
				Reason: string(res.Reason), Transport: res.Transport, LatencyMS: float64(res.Latency.Microseconds()) / 1000,
				Serial: res.Serial, Stamp: res.Stamp.Hash, InSync: !z.Stamp().IsZero() && res.Stamp.Hash == z.Stamp().Hash, Detail: res.Detail})
		}
		unhealthy = append(unhealthy, unhealthyProviders(z, r)...)
	}
	if format == "json" {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return unhealthy, enc.Encode(map[string]any{"results": rows, "unhealthy": unhealthy})
	}
	printProbeTable(c.App.Writer, rows)
	return unhealthy, nil
}

func unhealthyProviders(z *controller.Zone, r probe.Round) []string {
	q, err := failover.ParseQuorum(z.Config.Probe.Quorum)
	if err != nil {
		q = failover.Quorum{}
	}
	var out []string
	by := r.ByProvider()
	for _, p := range z.Config.Providers() {
		var failed int
		for _, res := range by[p] {
			if !res.Healthy() {
				failed++
			}
		}
		if len(by[p]) == 0 || q.Failing(failed, len(by[p])) {
			out = append(out, z.Name+"/"+p)
		}
	}
	return out
}

func printProbeTable(w io.Writer, rows []probeResult) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ZONE\tPROVIDER\tNAMESERVER\tADDRESS\tRESULT\tLATENCY\tSERIAL\tSTAMP\tDETAIL")
	for _, r := range rows {
		stamp := "-"
		switch {
		case r.Stamp == "":
		case r.InSync:
			stamp = "current"
		default:
			stamp = shortHash(r.Stamp)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s/%s\t%.1fms\t%d\t%s\t%s\n", r.Zone, r.Provider, r.Nameserver, r.Addr,
			r.Reason, r.Transport, r.LatencyMS, r.Serial, stamp, r.Detail)
	}
	_ = tw.Flush()
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
