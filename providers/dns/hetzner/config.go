package hetzner

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a hetzner provider's keys in twinzone.yaml.
type Settings struct {
	Token    config.Secret // required, as ${VAR}: a Hetzner Cloud API token of the project
	Endpoint string        // API base URL override (emulators); empty = Hetzner
}

// ConfigType is the hetzner row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "hetzner",
		Decode:         decode,
		Company:        "Hetzner",
		CredentialHint: "check the Hetzner Cloud API token (Read & Write, of the project holding the zone; tokens of the old dns.hetzner.com console do not work here) and that the zone is a primary zone",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("token", "HCLOUD_TOKEN", &s.Token)
	f.URL("endpoint", &s.Endpoint)
	f.Require("token", "HCLOUD_TOKEN", &s.Token)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Token: s.Token.Reveal(), Endpoint: s.Endpoint, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
