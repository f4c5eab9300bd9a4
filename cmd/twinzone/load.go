package main

import (
	"fmt"
	"log/slog"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers"
)

// loaded is a validated config with the zones the command works on, their files parsed.
type loaded struct {
	cfg    *config.Config
	zones  []zoneData
	log    *slog.Logger
	opened map[string]provider.Provider
	st     *state.Store
	hist   state.History // the shared history (history), opened once
	// progress draws a bar while sync writes (terminals only); nil otherwise.
	progress *syncProgress
}

type zoneData struct {
	cfg   *config.Zone
	file  *zone.Zone
	stamp stamp.Stamp // the sync stamp of the zone file
}

// load reads the config and every selected zone file. Nothing touches the network: a bad
// config or zone file stops the command before any provider is contacted.
func load(c *cli.Context) (*loaded, error) {
	l, err := loadConfigOnly(c)
	if err != nil {
		return nil, err
	}
	sel, err := selectZones(l.cfg, c.StringSlice("zone"))
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, zc := range sel {
		z, err := zone.ParseFile(zc.File, zc.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, w := range z.Warnings {
			l.log.Warn("zone file: "+w.Error(), "zone", zc.Name)
		}
		zd := zoneData{cfg: zc, file: z, stamp: plan.StampOf(z.RRsets)}
		if err := checkProxied(zd); err != nil {
			errs = append(errs, err)
			continue
		}
		l.zones = append(l.zones, zd)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return l, nil
}

// selectZones returns the zones named by --zone, or all of them.
func selectZones(cfg *config.Config, names []string) ([]*config.Zone, error) {
	if len(names) == 0 {
		return cfg.Zones, nil
	}
	out := make([]*config.Zone, 0, len(names))
	for _, n := range names {
		z, ok := cfg.Zone(n)
		if !ok {
			return nil, fmt.Errorf("zone %q is not in %s (it has: %v)", n, cfg.File, cfg.ZoneNames())
		}
		out = append(out, z)
	}
	return out, nil
}

// loadConfigOnly reads the config without parsing zone files (import writes one).
func loadConfigOnly(c *cli.Context) (*loaded, error) {
	log := newLogger(c)
	cfg, err := config.Load(c.String("config"), providers.Types())
	if err != nil {
		return nil, configNotFound(c, err)
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	return &loaded{cfg: cfg, log: log}, nil
}

// oneZone returns the single zone named by --zone, or the config's only zone.
func oneZone(l *loaded, names []string) (*config.Zone, error) {
	sel, err := selectZones(l.cfg, names)
	if err != nil {
		return nil, err
	}
	if len(sel) != 1 {
		return nil, fmt.Errorf("name one zone with --zone (the config has %v)", l.cfg.ZoneNames())
	}
	return sel[0], nil
}

// withoutStamp drops twinzone's own sync stamp from a provider's records.
func withoutStamp(sets []zone.RRset, origin string) []zone.RRset {
	out := make([]zone.RRset, 0, len(sets))
	stamp := plan.StampName(origin)
	for _, s := range sets {
		if s.Name == stamp && s.Type == dns.TypeTXT {
			continue
		}
		out = append(out, s)
	}
	return out
}
