package azure

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are an azure provider's keys in twinzone.yaml.
type Settings struct {
	TenantID       string
	ClientID       string
	ClientSecret   config.Secret // as ${VAR}
	SubscriptionID string
	ResourceGroup  string
	Endpoint       string // ARM base URL override (sovereign clouds, emulators)
	Authority      string // Entra ID base URL override
}

// ConfigType is the azure row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "azure",
		Decode:         decode,
		Company:        "Microsoft",
		CredentialHint: "check tenant_id, client_id and client_secret (the secret's value, not its ID), that the service principal has the DNS Zone Contributor role on the zone, and subscription_id/resource_group",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.String("tenant_id", &s.TenantID)
	f.String("client_id", &s.ClientID)
	f.Secret("client_secret", "AZURE_CLIENT_SECRET", &s.ClientSecret)
	f.String("subscription_id", &s.SubscriptionID)
	f.String("resource_group", &s.ResourceGroup)
	f.URL("endpoint", &s.Endpoint)
	f.URL("authority", &s.Authority)
	f.Require("client_secret", "AZURE_CLIENT_SECRET", &s.ClientSecret)
	f.Check(func() {
		for _, k := range []struct{ key, val string }{{"tenant_id", s.TenantID}, {"client_id", s.ClientID}, {"subscription_id", s.SubscriptionID}, {"resource_group", s.ResourceGroup}} {
			if k.val == "" && !f.Reported(k.key) {
				f.Errorf("missing key %q", k.key)
			}
		}
	})
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{TenantID: s.TenantID, ClientID: s.ClientID, ClientSecret: s.ClientSecret.Reveal(),
		SubscriptionID: s.SubscriptionID, ResourceGroup: s.ResourceGroup, Endpoint: s.Endpoint, Authority: s.Authority, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
