package godaddy

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a godaddy registrar's keys in twinzone.yaml.
type Settings struct {
	APIKey    config.Secret
	APISecret config.Secret
	ShopperID string // optional X-Shopper-Id (resellers)
	Endpoint  string // default https://api.godaddy.com; OTE: https://api.ote-godaddy.com
}

// ConfigType is the godaddy row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "godaddy", Decode: decode, Company: "GoDaddy",
		CredentialHint: "check the GoDaddy production API key and secret; GoDaddy answers 403 ACCESS_DENIED to accounts with fewer than 10 domains and no Discount Domain Club plan"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Secret("api_key", "GODADDY_API_KEY", &s.APIKey)
	f.Secret("api_secret", "GODADDY_API_SECRET", &s.APISecret)
	f.String("shopper_id", &s.ShopperID)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_key", "GODADDY_API_KEY", &s.APIKey)
	f.Require("api_secret", "GODADDY_API_SECRET", &s.APISecret)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Key: s.APIKey.Reveal(), Secret: s.APISecret.Reveal(), ShopperID: s.ShopperID, Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
