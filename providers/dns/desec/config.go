package desec

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a desec provider's keys in twinzone.yaml.
type Settings struct {
	Token    config.Secret // required, as ${VAR}
	Endpoint string        // API base URL override (emulators); empty = desec.io
	MinTTL   int           // the domain's minimum_ttl; default 3600
}

// ConfigType is the desec row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "desec",
		Decode:         decode,
		Company:        "deSEC",
		CredentialHint: "check the token (desec.io → Token management; it needs no token-management permission) and that the domain exists in that account",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{MinTTL: DefaultMinTTL}
	f.Secret("token", "DESEC_TOKEN", &s.Token)
	f.URL("endpoint", &s.Endpoint)
	f.IntMax("min_ttl", 1, MaxTTL, &s.MinTTL, "deSEC's largest TTL is 86400")
	f.Require("token", "DESEC_TOKEN", &s.Token)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Token: s.Token.Reveal(), Endpoint: s.Endpoint, MinTTL: s.MinTTL, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
