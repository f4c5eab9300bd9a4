package route53

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a route53 provider's keys in twinzone.yaml. Without static keys the AWS SDK's
// default credential chain (environment, shared config, instance role) is used.
type Settings struct {
	config.AWS
	HostedZoneID string // optional; looked up by name when empty (one extra call per operation)
}

// ConfigType is the route53 row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "route53",
		Decode:         decode,
		Company:        "Amazon",
		CredentialHint: "check the AWS credentials (profile, keys or the default chain) allow route53:ListHostedZonesByName, route53:ListResourceRecordSets and route53:ChangeResourceRecordSets, and that hosted_zone_id is this zone's",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.AWS(&s.AWS)
	f.String("hosted_zone_id", &s.HostedZoneID)
	return s
}

// Open builds the adapter for s. It loads and checks the AWS configuration itself, so a bad
// profile is an error here rather than libdns/route53's log.Fatalf.
func Open(ctx context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(ctx, Config{
		HostedZoneID: s.HostedZoneID, Region: s.Region, Profile: s.Profile,
		AccessKeyID: s.AccessKeyID.Reveal(), SecretAccessKey: s.SecretAccessKey.Reveal(),
		Endpoint: s.Endpoint, Logger: log,
	})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
