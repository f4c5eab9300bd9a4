package dnsimple

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a dnsimple provider's keys in twinzone.yaml.
type Settings struct {
	Token    config.Secret // required, as ${VAR}
	Account  string        // required: the account ID
	Endpoint string        // API base URL override (the sandbox, emulators); empty = DNSimple
}

// ConfigType is the dnsimple row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "dnsimple",
		Decode:         decode,
		Company:        "DNSimple",
		CredentialHint: "check the API token and the account ID (an account token of that account, or a user token with access to it), and that the zone exists in that account",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_token", "DNSIMPLE_API_TOKEN", &s.Token)
	f.String("account", &s.Account)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "DNSIMPLE_API_TOKEN", &s.Token)
	f.Check(func() {
		if s.Account == "" && !f.Reported("account") {
			f.Errorf("missing key \"account\" (the DNSimple account ID)")
		}
	})
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Token: s.Token.Reveal(), Account: s.Account, Endpoint: s.Endpoint, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
