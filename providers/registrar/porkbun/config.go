package porkbun

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a porkbun registrar's keys in twinzone.yaml.
type Settings struct {
	APIKey       config.Secret
	SecretAPIKey config.Secret
	Endpoint     string // API base URL override (emulators)
}

// ConfigType is the porkbun row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "porkbun", Decode: decode, Company: "Porkbun",
		CredentialHint: "check the Porkbun API key and secret, and that API access is enabled for this domain"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_key", "PORKBUN_API_KEY", &s.APIKey)
	f.Secret("secret_api_key", "PORKBUN_SECRET_API_KEY", &s.SecretAPIKey)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_key", "PORKBUN_API_KEY", &s.APIKey)
	f.Require("secret_api_key", "PORKBUN_SECRET_API_KEY", &s.SecretAPIKey)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{APIKey: s.APIKey.Reveal(), SecretAPIKey: s.SecretAPIKey.Reveal(), Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
