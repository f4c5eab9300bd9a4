package gandi

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a gandi registrar's keys in twinzone.yaml.
type Settings struct {
	APIToken config.Secret // personal access token
	Endpoint string        // API base URL override (emulators)
}

// ConfigType is the gandi row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "gandi", Decode: decode, Company: "Gandi",
		CredentialHint: "check the Gandi personal access token (Domain: manage technical configuration) and that the domain is in its organisation"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_token", "GANDI_API_TOKEN", &s.APIToken)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "GANDI_API_TOKEN", &s.APIToken)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Token: s.APIToken.Reveal(), Endpoint: s.Endpoint})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return r, nil
}
