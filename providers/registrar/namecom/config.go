package namecom

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a namecom registrar's keys in twinzone.yaml.
type Settings struct {
	Username string
	APIToken config.Secret
	Endpoint string // default https://api.name.com; test: https://api.dev.name.com
}

// ConfigType is the namecom row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "namecom", Decode: decode, Company: "Name.com",
		CredentialHint: "check the Name.com username and API token (production and api.dev.name.com have different ones) and that the domain is in that account"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.String("username", &s.Username)
	f.Secret("api_token", "NAMECOM_API_TOKEN", &s.APIToken)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_token", "NAMECOM_API_TOKEN", &s.APIToken)
	f.RequireString("username", "the Name.com account name", &s.Username)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Username: s.Username, Token: s.APIToken.Reveal(), Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
