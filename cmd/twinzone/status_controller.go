package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/state"
)

// controllerStatus is whether a `twinzone run` answers on this machine. status asks the
// configured controller.listen address for /healthz (a wildcard host is asked on loopback):
// no answer means no controller runs here with this config, so nobody probes or fails over
// (one may run on another machine; the verdicts shown are then only as fresh as their time).
type controllerStatus struct {
	Running bool   `json:"running"`
	Healthy bool   `json:"healthy"`      // /healthz answered 200: every probe loop is current
	Watches bool   `json:"watches_zone"` // the controller's /healthz lists this zone
	URL     string `json:"url,omitempty"`
	Detail  string `json:"detail"`
}

// probeController asks the controller's /healthz; zones are what it watches.
func probeController(ctx context.Context, cfg *config.Config) (cs controllerStatus, zones map[string]bool) {
	listen := cfg.Controller.Listen
	if listen == "" {
		listen = config.DefaultListen
	}
	if listen == "-" {
		return controllerStatus{Detail: "unknown: controller.listen is \"-\" (no /healthz to ask)"}, nil
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return controllerStatus{Detail: fmt.Sprintf("unknown: controller.listen %q: %v", listen, err)}, nil
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	cs.URL = "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cs.URL, nil)
	if err != nil {
		cs.Detail = err.Error()
		return cs, nil
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		cs.Detail = "NOT RUNNING here: no answer on " + cs.URL + " (nothing probes or fails over unless a controller runs elsewhere; start `twinzone run`)"
		return cs, nil
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool                       `json:"ok"`
		Zones map[string]json.RawMessage `json:"zones"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		cs.Detail = fmt.Sprintf("something answers on %s, but not a twinzone controller (%s)", cs.URL, resp.Status)
		return cs, nil
	}
	cs.Running, cs.Healthy = true, resp.StatusCode == http.StatusOK && body.OK
	zones = map[string]bool{}
	for z := range body.Zones {
		zones[z] = true
	}
	if cs.Healthy {
		cs.Detail = "running (" + cs.URL + " ok)"
	} else {
		cs.Detail = "running but UNHEALTHY: a probe loop is not current (" + cs.URL + " " + resp.Status + "); see its logs"
	}
	return cs, zones
}

// syncSummary describes a recorded sync, failures first.
func syncSummary(s *state.Sync) string {
	var failed, ok []string
	for _, p := range slices.Sorted(maps.Keys(s.Providers)) {
		if s.Providers[p] {
			ok = append(ok, p)
		} else {
			failed = append(failed, p)
		}
	}
	out := fmt.Sprintf("%s (stamp %s): ", s.Time.UTC().Format(time.RFC3339), shortHash(s.Hash))
	if len(failed) > 0 {
		out += "FAILED on " + strings.Join(failed, ", ")
		if len(ok) > 0 {
			out += "; converged: " + strings.Join(ok, ", ")
		}
		return out + " (`twinzone sync` again; the journal has the errors)"
	}
	return out + "converged: " + strings.Join(ok, ", ")
}

// eventLine is one journal event for a person: time, kind, the provider(s) it concerns, and
// the message; a sync's failures are spelled out.
func eventLine(e state.Event) string {
	provider, msg := e.Provider, e.Message
	switch ev := e.Evidence.(type) {
	case []any: // sync: one outcome per provider
		var names, failed []string
		for _, o := range ev {
			m, _ := o.(map[string]any)
			name, _ := m["provider"].(string)
			if name == "" {
				continue
			}
			names = append(names, name)
			if errText, _ := m["error"].(string); errText != "" {
				failed = append(failed, name+": "+errText)
			}
		}
		if provider == "" {
			provider = strings.Join(names, ",")
		}
		if len(failed) > 0 {
			msg += ": FAILED on " + strings.Join(failed, "; ")
		} else if e.Kind == state.KindSync {
			msg += ": converged"
		}
	case map[string]any: // failover, failback, preflight: the decision's providers
		if d, ok := ev["decision"].(map[string]any); ok && provider == "" {
			if ps, ok := d["providers"].([]any); ok {
				var names []string
				for _, p := range ps {
					if s, ok := p.(string); ok {
						names = append(names, s)
					}
				}
				provider = "to " + strings.Join(names, ",")
			}
		}
	}
	if provider == "" {
		provider = "-"
	}
	return fmt.Sprintf("%s  %-9s %-12s %s", e.Time.UTC().Format(time.RFC3339), e.Kind, provider, msg)
}

// stateWritable checks, without changing anything, that syncs and delegation changes can be
// recorded: a file can be created in the state directory (state.json is replaced through
// one) and the journal opens for appending.
func stateWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".status-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return err
	}
	j, err := os.OpenFile(filepath.Join(dir, state.JournalFile), os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return j.Close()
}
