package ovh

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are an ovh registrar's keys in twinzone.yaml.
type Settings struct {
	ApplicationKey    string
	ApplicationSecret config.Secret
	ConsumerKey       config.Secret
	Endpoint          string // default EndpointEU; EndpointCA, EndpointUS
}

// ConfigType is the ovh row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "ovh", Decode: decode, Company: "OVHcloud",
		CredentialHint: "check the OVH application key and secret and the consumer key (granted GET /domain/* and POST /domain/*/nameServers/update), the API region (endpoint), and that the domain is in this account"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.String("application_key", &s.ApplicationKey)
	f.Secret("application_secret", "OVH_APPLICATION_SECRET", &s.ApplicationSecret)
	f.Secret("consumer_key", "OVH_CONSUMER_KEY", &s.ConsumerKey)
	f.URL("endpoint", &s.Endpoint)
	f.RequireString("application_key", "the OVH application key", &s.ApplicationKey)
	f.Require("application_secret", "OVH_APPLICATION_SECRET", &s.ApplicationSecret)
	f.Require("consumer_key", "OVH_CONSUMER_KEY", &s.ConsumerKey)
	return s
}

// Open builds the adapter for s; it makes no network call (the API clock is read on first use).
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{ApplicationKey: s.ApplicationKey, ApplicationSecret: s.ApplicationSecret.Reveal(),
		ConsumerKey: s.ConsumerKey.Reveal(), Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
