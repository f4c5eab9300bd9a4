package gandi

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a gandi provider's keys in twinzone.yaml.
type Settings struct {
	Token    config.Secret // required, as ${VAR}: a personal access token
	Endpoint string        // API base URL override (emulators, the sandbox); empty = Gandi
}

// ConfigType is the gandi row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "gandi",
		Decode:         decode,
		Company:        "Gandi",
		CredentialHint: "check the personal access token (Gandi Admin → Organization → Sharing: it needs \"Manage domain technical configuration\" for the domain's organisation) and that the domain uses LiveDNS",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_token", "GANDI_API_TOKEN", &s.Token)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "GANDI_API_TOKEN", &s.Token)
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
