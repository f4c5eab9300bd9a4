package dnsproviders

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
)

// openCloud builds the cloud adapters (Cloudflare, Route 53).
func openCloud(ctx context.Context, p *config.Provider, log *slog.Logger) (provider.Provider, error) {
	switch {
	case p.Cloudflare != nil:
		c := p.Cloudflare
		return cloudflare.New(cloudflare.Config{
			APIToken: c.APIToken.Reveal(), ZoneID: c.ZoneID, BatchSize: c.BatchSize,
			Endpoint: c.Endpoint, Logger: log,
		})
	}
	return nil, unsupported(p)
}
