package manual

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings: the manual registrar has no keys.
type Settings struct{}

// ConfigType is the manual row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "manual", Decode: func(*config.Fields) any { return &Settings{} }, SetOnly: true,
		CredentialHint: "make the change by hand as printed; nothing to check"}
}

// Open builds the registrar: it prints the steps to opts.Out and reads through opts.Reader.
func Open(_ context.Context, _ *Settings, opts registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Out: opts.Out, Registrar: opts.Name, Reader: opts.Reader})
	if err != nil {
		return nil, err
	}
	return r, nil
}
