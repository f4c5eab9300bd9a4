package dnsproviders

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/route53"
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
	case p.Route53 != nil:
		c := p.Route53
		// New loads and checks the AWS configuration itself, so a bad profile is an error
		// here rather than libdns/route53's log.Fatalf.
		return route53.New(ctx, route53.Config{
			HostedZoneID: c.HostedZoneID, Region: c.Region, Profile: c.Profile,
			AccessKeyID: c.AccessKeyID.Reveal(), SecretAccessKey: c.SecretAccessKey.Reveal(),
			Endpoint: c.Endpoint, Logger: log,
		})
	}
	return nil, unsupported(p)
}
