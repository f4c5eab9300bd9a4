package cloudflare

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Batch sizes: the Free plan accepts 200 operations per batch request, paid plans 3,500.
const (
	DefaultBatchSize = 200
	MaxBatchSize     = 3500
)

// Settings are a cloudflare provider's keys in twinzone.yaml.
type Settings struct {
	APIToken  config.Secret // required; needs Zone.DNS edit (and Zone read) permission
	ZoneID    string        // optional; looked up by name when empty
	BatchSize int           // records per batch request; default DefaultBatchSize
	// RecordQuota is the zone's record quota (plan-time check); 0: derived from BatchSize.
	RecordQuota int
	Endpoint    string // API base URL override (emulators); empty = Cloudflare
}

// ConfigType is the cloudflare row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "cloudflare",
		Decode:         decode,
		Company:        "Cloudflare",
		CredentialHint: "check the api_token: it needs Zone:Read and Zone:DNS:Edit on this zone, and the zone must exist in that account (zone_id, if set, must be this zone's)",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{BatchSize: DefaultBatchSize}
	f.Secret("api_token", "CLOUDFLARE_API_TOKEN", &s.APIToken)
	f.String("zone_id", &s.ZoneID)
	f.IntMax("batch_size", 1, MaxBatchSize, &s.BatchSize, fmt.Sprintf("Cloudflare accepts at most %d records per batch", MaxBatchSize))
	f.Int("record_quota", 1, &s.RecordQuota)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "CLOUDFLARE_API_TOKEN", &s.APIToken)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{APIToken: s.APIToken.Reveal(), ZoneID: s.ZoneID, BatchSize: s.BatchSize, RecordQuota: s.RecordQuota, Endpoint: s.Endpoint, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
