// Package registrars is the table of the registrar types of this build: one row per folder of
// providers/registrar/<name>, which holds the type's config keys, the facts `check` uses and
// its adapter, as providers/dns does for DNS providers. Adding a registrar is one folder and
// one row here; there is no global registry to mutate.
package registrars

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/dnsimple"
	"github.com/twinzone/twinzone/providers/registrar/exec"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/godaddy"
	"github.com/twinzone/twinzone/providers/registrar/manual"
	"github.com/twinzone/twinzone/providers/registrar/namecheap"
	"github.com/twinzone/twinzone/providers/registrar/namecom"
	"github.com/twinzone/twinzone/providers/registrar/ovh"
	"github.com/twinzone/twinzone/providers/registrar/porkbun"
	"github.com/twinzone/twinzone/providers/registrar/rfc2136"
	"github.com/twinzone/twinzone/providers/registrar/route53domains"
)

// Type is one row: the config side and the opener of a registrar type.
type Type struct {
	Config config.RegistrarType
	Open   func(ctx context.Context, settings any, opts registrar.OpenOptions) (registrar.Registrar, error)
}

// Table returns the registrar types of this build, built afresh on each call.
func Table() []Type {
	return []Type{
		row(dnsimple.ConfigType(), dnsimple.Open),
		row(exec.ConfigType(), exec.Open),
		row(gandi.ConfigType(), gandi.Open),
		row(godaddy.ConfigType(), godaddy.Open),
		row(manual.ConfigType(), manual.Open),
		row(namecheap.ConfigType(), namecheap.Open),
		row(namecom.ConfigType(), namecom.Open),
		row(ovh.ConfigType(), ovh.Open),
		row(porkbun.ConfigType(), porkbun.Open),
		row(rfc2136.ConfigType(), rfc2136.Open),
		row(route53domains.ConfigType(), route53domains.Open),
	}
}

// row ties a type's config to its opener, checking the settings' type once, here.
func row[S any](c config.RegistrarType, open func(context.Context, *S, registrar.OpenOptions) (registrar.Registrar, error)) Type {
	return Type{Config: c, Open: func(ctx context.Context, settings any, opts registrar.OpenOptions) (registrar.Registrar, error) {
		s, ok := settings.(*S)
		if !ok {
			return nil, fmt.Errorf("%s: settings of type %T, want %T", c.Name, settings, s)
		}
		return open(ctx, s, opts)
	}}
}

// ConfigTypes returns the config side of the table (config.Types.Registrars).
func ConfigTypes() []config.RegistrarType {
	var out []config.RegistrarType
	for _, r := range Table() {
		out = append(out, r.Config)
	}
	return out
}

// Options are what some adapters need beyond their configuration.
type Options struct {
	// Reader returns the NS set the parent publishes for a domain (absolute names). The
	// `exec` and `manual` registrars cannot read the delegation themselves and use it for
	// Nameservers; nil makes their Nameservers return registrar.ErrUnsupported.
	Reader func(ctx context.Context, domain string) ([]string, error)
	// Out is where the `manual` registrar writes its steps; nil means os.Stderr.
	Out io.Writer
}

// Open returns the adapter for r, without a delegation reader; see OpenWith.
func Open(ctx context.Context, r *config.Registrar, log *slog.Logger) (registrar.Registrar, error) {
	return OpenWith(ctx, r, log, Options{})
}

// OpenWith returns the adapter for r. No adapter makes a network call here; route53domains
// loads and checks the AWS configuration. Secrets go only into the adapters, never into errors.
func OpenWith(ctx context.Context, r *config.Registrar, _ *slog.Logger, opts Options) (registrar.Registrar, error) {
	if r == nil {
		return nil, fmt.Errorf("registrar: no configuration")
	}
	for _, row := range Table() {
		if row.Config.Name != r.Type {
			continue
		}
		reg, err := row.Open(ctx, r.Settings, registrar.OpenOptions{Name: r.Name, Reader: opts.Reader, Out: opts.Out})
		if err != nil {
			return nil, fmt.Errorf("registrar %q: %w", r.Name, err)
		}
		return reg, nil
	}
	return nil, fmt.Errorf("registrar %q: type %q is not supported by this build", r.Name, r.Type)
}
