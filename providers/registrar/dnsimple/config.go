package dnsimple

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a dnsimple registrar's keys in twinzone.yaml.
type Settings struct {
	APIToken config.Secret
	Account  string // account ID
	Endpoint string // API base URL override (sandbox, emulators)
}

// ConfigType is the dnsimple row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "dnsimple", Decode: decode, Company: "DNSimple",
		CredentialHint: "check the DNSimple API token and account ID, and that the domain is registered in that account"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_token", "DNSIMPLE_API_TOKEN", &s.APIToken)
	f.String("account", &s.Account)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "DNSIMPLE_API_TOKEN", &s.APIToken)
	f.RequireString("account", "the DNSimple account ID", &s.Account)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Token: s.APIToken.Reveal(), Account: s.Account, Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
