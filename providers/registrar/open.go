// Package registrars builds the registrar adapters of providers/registrar/<name> from their
// typed configuration, like providers/dns does for DNS providers. It is the one place that
// knows every registrar adapter; there is no global registry to mutate.
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
// loads and checks the AWS configuration. The adapters take no logger today. Secrets go only into the adapters, never into errors.
func OpenWith(_ context.Context, r *config.Registrar, _ *slog.Logger, opts Options) (registrar.Registrar, error) {
	if r == nil {
		return nil, fmt.Errorf("registrar: no configuration")
	}
	wrap := func(reg registrar.Registrar, err error) (registrar.Registrar, error) {
		if err != nil {
			return nil, fmt.Errorf("registrar %q: %w", r.Name, err)
		}
		return reg, nil
	}
	switch {
	case r.RFC2136 != nil:
		c := r.RFC2136
		return wrap(rfc2136.New(rfc2136.Config{Server: c.Server, Zone: c.Zone, KeyName: c.KeyName, KeyAlg: c.KeyAlg, Key: c.Key.Reveal()}))
	case r.Route53Domains != nil:
		c := r.Route53Domains
		return wrap(route53domains.New(route53domains.Config{Endpoint: c.Endpoint, Profile: c.Profile,
			AccessKeyID: c.AccessKeyID.Reveal(), SecretAccessKey: c.SecretAccessKey.Reveal()}))
	case r.Gandi != nil:
		return wrap(gandi.New(gandi.Config{Token: r.Gandi.APIToken.Reveal(), Endpoint: r.Gandi.Endpoint}))
	case r.DNSimple != nil:
		c := r.DNSimple
		return wrap(dnsimple.New(dnsimple.Config{Token: c.APIToken.Reveal(), Account: c.Account, Endpoint: c.Endpoint}))
	case r.Porkbun != nil:
		c := r.Porkbun
		return wrap(porkbun.New(porkbun.Config{APIKey: c.APIKey.Reveal(), SecretAPIKey: c.SecretAPIKey.Reveal(), Endpoint: c.Endpoint}))
	case r.NameCom != nil:
		c := r.NameCom
		return wrap(namecom.New(namecom.Config{Username: c.Username, Token: c.APIToken.Reveal(), Endpoint: c.Endpoint}))
	case r.Namecheap != nil:
		c := r.Namecheap
		return wrap(namecheap.New(namecheap.Config{APIUser: c.APIUser, APIKey: c.APIKey.Reveal(), UserName: c.UserName,
			ClientIP: c.ClientIP, Endpoint: c.Endpoint}))
	case r.OVH != nil:
		c := r.OVH
		return wrap(ovh.New(ovh.Config{ApplicationKey: c.ApplicationKey, ApplicationSecret: c.ApplicationSecret.Reveal(),
			ConsumerKey: c.ConsumerKey.Reveal(), Endpoint: c.Endpoint}))
	case r.GoDaddy != nil:
		c := r.GoDaddy
		return wrap(godaddy.New(godaddy.Config{Key: c.APIKey.Reveal(), Secret: c.APISecret.Reveal(), ShopperID: c.ShopperID, Endpoint: c.Endpoint}))
	case r.Exec != nil:
		return wrap(exec.New(exec.Config{Command: r.Exec.Command, PassEnv: r.Exec.Env, Reader: opts.Reader}))
	case r.Manual != nil || r.Type == config.RegistrarManual:
		return wrap(manual.New(manual.Config{Out: opts.Out, Registrar: r.Name, Reader: opts.Reader}))
	}
	return nil, fmt.Errorf("registrar %q: type %q is not supported by this build", r.Name, r.Type)
}
