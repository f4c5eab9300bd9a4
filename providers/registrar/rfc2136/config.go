package rfc2136

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are an rfc2136 registrar's keys in twinzone.yaml: the parent zone's primary server
// (with an optional TSIG key) and the parent zone.
type Settings struct {
	config.TSIG
	Zone string // the parent zone, absolute lower-case ("com.")
}

// ParentServer is where the delegation is published (config.ParentServerer).
func (s *Settings) ParentServer() string { return s.Server }

// ConfigType is the rfc2136 row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "rfc2136", Decode: decode,
		CredentialHint: "check the parent server's address, zone and TSIG key"}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.TSIG(&s.TSIG)
	f.Domain("zone", &s.Zone)
	f.RequireString("zone", "the parent zone, e.g. com.", &s.Zone)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Server: s.Server, Zone: s.Zone, KeyName: s.KeyName, KeyAlg: s.KeyAlg, Key: s.Key.Reveal()})
	if err != nil {
		return nil, err
	}
	return r, nil
}
