package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
)

// edgeTimeout bounds each query to Cloudflare's nameservers for a proxied name's edge.
const edgeTimeout = 3 * time.Second

// proxier is the Cloudflare adapter's view with the config's proxy setting per name.
type proxier interface {
	WithProxied(names map[string]bool) provider.Provider
}

// applyProxied applies a zone's proxied entries to its targets: the Cloudflare target proxies
// the configured names; the other target serves, for each, what the config chooses. A target
// whose records cannot be worked out (an edge that does not answer) is left out with an error,
// so the other one is still synced.
func (l *loaded) applyProxied(ctx context.Context, zd zoneData, targets []tzsync.Target) ([]tzsync.Target, []error) {
	if len(zd.cfg.Proxied) == 0 {
		return targets, nil
	}
	names := make(map[string]bool, len(zd.cfg.Proxied))
	for _, e := range zd.cfg.Proxied {
		names[e.Name] = e.IsProxied()
	}
	var cfRef config.ProviderRef
	for _, ref := range []config.ProviderRef{zd.cfg.Primary, zd.cfg.Secondary} {
		if p := l.cfg.Providers[ref.Provider]; p != nil && p.Type == "cloudflare" {
			cfRef = ref
		}
	}
	out := targets[:0:0]
	var errs []error
	for _, t := range targets {
		if t.Name == cfRef.Provider {
			if px, ok := t.Provider.(proxier); ok {
				t.Provider = px.WithProxied(names)
			}
			out = append(out, t)
			continue
		}
		desired, err := cloudflare.ForSecondary(ctx, zd.file.RRsets, zd.cfg.Proxied, cloudflare.DNSEdgeLookup(cfRef.Nameservers, edgeTimeout))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", zd.cfg.Name, t.Name, err))
			continue
		}
		t.Desired = desired
		out = append(out, t)
	}
	return out, errs
}

// checkProxied refuses a proxied entry for a name without A, AAAA or CNAME records in the zone
// file, naming the entry's place in the config.
func checkProxied(zd zoneData) error {
	has := map[string]bool{}
	for _, s := range zd.file.RRsets {
		switch s.TypeString() {
		case "A", "AAAA", "CNAME":
			has[s.Name] = true
		}
	}
	var errs []error
	for _, e := range zd.cfg.Proxied {
		if !has[e.Name] {
			errs = append(errs, fmt.Errorf("%s: proxied %s: %s has no A, AAAA or CNAME record to proxy", e.Pos(), e.Name, zd.cfg.File))
		}
	}
	return joinErrors(errs)
}
