// Package dnsproviders builds the DNS provider adapters of providers/dns/<name> from their
// typed configuration. It is the one place that knows every adapter; there is no global
// registry to mutate.
package dnsproviders

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// Open returns the adapter for p. It makes no network call for cloudflare, rfc2136 and
// zonefile; route53 loads and checks the AWS configuration.
func Open(ctx context.Context, p *config.Provider, log *slog.Logger) (provider.Provider, error) {
	log = log.With("provider", p.Name)
	switch {
	case p.RFC2136 != nil:
		c := p.RFC2136
		return rfc2136.New(rfc2136.Config{
			Server: c.Server, KeyName: c.KeyName, KeyAlg: c.KeyAlg, Key: c.Key.Reveal(),
			Chunk: c.Chunk, Logger: log,
		})
	case p.Zonefile != nil:
		return zonefile.New(zonefile.Config{Path: p.Zonefile.Path, Reload: p.Zonefile.Reload, Logger: log})
	}
	return openCloud(ctx, p, log)
}

// unsupported is returned for a provider type this build does not know.
func unsupported(p *config.Provider) error {
	return fmt.Errorf("provider %q: type %q is not supported by this build", p.Name, p.Type)
}
