package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// apiTimeout bounds one read-only API call (a whole zone listing).
const apiTimeout = 2 * time.Minute

// openedProvider is one provider of a zone, opened (or not).
type openedProvider struct {
	Role string // "primary" or "secondary"
	Cfg  *config.ProviderRef
	Def  *config.Provider // nil when the provider is not defined
	P    provider.Provider
	Err  error
}

// openProviders opens the zone's primary and secondary.
func openProviders(ctx context.Context, o *Options, zc *config.Zone) []openedProvider {
	out := make([]openedProvider, 0, 2)
	for _, ref := range []struct {
		role string
		ref  *config.ProviderRef
	}{{"primary", &zc.Primary}, {"secondary", &zc.Secondary}} {
		op := openedProvider{Role: ref.role, Cfg: ref.ref, Def: o.Config.Providers[ref.ref.Provider]}
		switch {
		case op.Def == nil:
			op.Err = fmt.Errorf("provider %q is not defined", ref.ref.Provider)
		case o.OpenProvider == nil:
			op.Err = errors.New("no provider opener given")
		default:
			op.P, op.Err = o.OpenProvider(ctx, op.Def)
		}
		out = append(out, op)
	}
	return out
}

// credentialFix says how to repair a provider that cannot be read.
func credentialFix(p *config.Provider) string {
	if p == nil {
		return "define the provider under providers: in the config"
	}
	if p.Spec != nil && p.Spec.CredentialHint != "" {
		return p.Spec.CredentialHint
	}
	return "check the provider's settings and credentials"
}

// checkCredentials reads each provider's records and the registrar's nameservers.
func checkCredentials(ctx context.Context, o *Options, zc *config.Zone, provs []openedProvider) []Finding {
	var out []Finding
	for _, op := range provs {
		subject := op.Cfg.Provider
		if op.Err != nil {
			out = append(out, Finding{Check: CheckCredentials, Subject: subject, Severity: Fail,
				Message: fmt.Sprintf("%s provider %s cannot be opened: %v", op.Role, subject, op.Err),
				Fix:     credentialFix(op.Def)})
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, apiTimeout)
		sets, err := op.P.Records(cctx, zc.Name)
		cancel()
		if err != nil {
			out = append(out, Finding{Check: CheckCredentials, Subject: subject, Severity: Fail,
				Message: fmt.Sprintf("%s provider %s (%s): reading the records failed: %v", op.Role, subject, op.Def.Type, err),
				Fix:     credentialFix(op.Def)})
			continue
		}
		out = append(out, Finding{Check: CheckCredentials, Subject: subject, Severity: OK,
			Message: fmt.Sprintf("%s provider %s (%s): read %d RRsets (read-only call)", op.Role, subject, op.Def.Type, len(sets))})
	}
	return append(out, checkRegistrarCredentials(ctx, o, zc))
}

// checkRegistrarCredentials reads the NS set the registrar holds.
func checkRegistrarCredentials(ctx context.Context, o *Options, zc *config.Zone) Finding {
	f := Finding{Check: CheckCredentials, Subject: zc.Registrar}
	if zc.Registrar == "" {
		f.Severity, f.Message = Warn, "no registrar: the delegation cannot be changed, so failover is impossible"
		f.Fix = "add a registrar under registrars: and name it in the zone's registrar key"
		return f
	}
	rc := o.Config.Registrars[zc.Registrar]
	if rc == nil {
		f.Severity, f.Message = Fail, fmt.Sprintf("registrar %q is not defined", zc.Registrar)
		f.Fix = "define it under registrars: in the config"
		return f
	}
	if o.OpenRegistrar == nil {
		f.Severity, f.Message = Fail, "no registrar opener given"
		return f
	}
	reg, err := o.OpenRegistrar(ctx, rc)
	if err != nil {
		f.Severity, f.Message = Fail, fmt.Sprintf("registrar %s (%s) cannot be opened: %v", rc.Name, rc.Type, err)
		f.Fix = registrarFix(rc)
		return f
	}
	cctx, cancel := context.WithTimeout(ctx, apiTimeout)
	ns, err := reg.Nameservers(cctx, zc.Name)
	cancel()
	switch {
	case errors.Is(err, registrar.ErrUnsupported):
		f.Severity, f.Message = Warn, fmt.Sprintf("registrar %s (%s) cannot read the delegation, so its access is untested until a failover", rc.Name, rc.Type)
		f.Fix = "make sure the registrar's command or procedure works before you need it (try it on a test domain)"
	case err != nil:
		f.Severity, f.Message = Fail, fmt.Sprintf("registrar %s (%s): reading the nameservers of %s failed: %v", rc.Name, rc.Type, zc.Name, err)
		f.Fix = registrarFix(rc)
	case !overlaps(ns, zc):
		f.Severity = Warn
		f.Message = fmt.Sprintf("registrar %s (%s) delegates %s to %s: none of the configured nameservers", rc.Name, rc.Type, zc.Name, strings.Join(ns, " "))
		f.Fix = "list each provider's nameservers for the zone in the config (primary/secondary nameservers), or fix the delegation"
	default:
		f.Severity = OK
		f.Message = fmt.Sprintf("registrar %s (%s) holds the delegation: %s (read-only call)", rc.Name, rc.Type, strings.Join(ns, " "))
	}
	return f
}

// overlaps reports whether ns names any configured nameserver of the zone; true when none
// is configured (nothing to compare).
func overlaps(ns []string, zc *config.Zone) bool {
	names := append(zc.Primary.Nameservers.Names(), zc.Secondary.Nameservers.Names()...)
	if len(names) == 0 {
		return true
	}
	for _, n := range ns {
		if slices.Contains(names, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// registrarFix says how to repair a registrar that cannot be read (its type's hint).
func registrarFix(r *config.Registrar) string {
	if r.Spec != nil && r.Spec.CredentialHint != "" {
		return r.Spec.CredentialHint
	}
	return "check the registrar's settings and credentials"
}
