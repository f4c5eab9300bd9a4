package digitalocean

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a digitalocean provider's keys in twinzone.yaml.
type Settings struct {
	Token    config.Secret // required, as ${VAR}
	Endpoint string        // API base URL override (emulators); empty = DigitalOcean
}

// ConfigType is the digitalocean row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "digitalocean",
		Decode:         decode,
		Company:        "DigitalOcean",
		CredentialHint: "check the personal access token (it needs the domain read and update scopes) and that the domain is in that team",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("token", "DIGITALOCEAN_TOKEN", &s.Token)
	f.URL("endpoint", &s.Endpoint)
	f.Require("token", "DIGITALOCEAN_TOKEN", &s.Token)
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
