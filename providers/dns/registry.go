// Package dnsproviders is the table of the DNS provider types of this build: one row per
// folder of providers/dns/<name>, which holds the type's config keys, the facts `check` uses
// and its adapter. Adding a provider is one folder and one row here; there is no global
// registry to mutate.
package dnsproviders

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/axfr"
	"github.com/twinzone/twinzone/providers/dns/azure"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/desec"
	"github.com/twinzone/twinzone/providers/dns/digitalocean"
	"github.com/twinzone/twinzone/providers/dns/dnsimple"
	"github.com/twinzone/twinzone/providers/dns/gandi"
	"github.com/twinzone/twinzone/providers/dns/googleclouddns"
	"github.com/twinzone/twinzone/providers/dns/hetzner"
	"github.com/twinzone/twinzone/providers/dns/powerdns"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	"github.com/twinzone/twinzone/providers/dns/route53"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// Type is one row: the config side and the opener of a provider type.
type Type struct {
	Config config.ProviderType
	Open   func(ctx context.Context, settings any, log *slog.Logger) (provider.Provider, error)
}

// Table returns the provider types of this build, built afresh on each call.
func Table() []Type {
	return []Type{
		row(cloudflare.ConfigType(), cloudflare.Open),
		row(route53.ConfigType(), route53.Open),
		row(rfc2136.ConfigType(), rfc2136.Open),
		row(zonefile.ConfigType(), zonefile.Open),
		row(powerdns.ConfigType(), powerdns.Open),
		row(desec.ConfigType(), desec.Open),
		row(gandi.ConfigType(), gandi.Open),
		row(dnsimple.ConfigType(), dnsimple.Open),
		row(digitalocean.ConfigType(), digitalocean.Open),
		row(googleclouddns.ConfigType(), googleclouddns.Open),
		row(azure.ConfigType(), azure.Open),
		row(hetzner.ConfigType(), hetzner.Open),
		row(axfr.ConfigType(), axfr.Open),
	}
}

// row ties a type's config to its opener, checking the settings' type once, here.
func row[S any](c config.ProviderType, open func(context.Context, *S, *slog.Logger) (provider.Provider, error)) Type {
	return Type{Config: c, Open: func(ctx context.Context, settings any, log *slog.Logger) (provider.Provider, error) {
		s, ok := settings.(*S)
		if !ok {
			return nil, fmt.Errorf("%s: settings of type %T, want %T", c.Name, settings, s)
		}
		return open(ctx, s, log)
	}}
}

// Types returns the config side of the table, for config.Load.
func Types() config.Types {
	var t config.Types
	for _, r := range Table() {
		t.Providers = append(t.Providers, r.Config)
	}
	return t
}

// Open returns the adapter for p. It makes no network call; route53 loads and checks the
// AWS configuration.
func Open(ctx context.Context, p *config.Provider, log *slog.Logger) (provider.Provider, error) {
	for _, r := range Table() {
		if r.Config.Name == p.Type {
			return r.Open(ctx, p.Settings, log.With("provider", p.Name))
		}
	}
	return nil, fmt.Errorf("provider %q: type %q is not supported by this build", p.Name, p.Type)
}
