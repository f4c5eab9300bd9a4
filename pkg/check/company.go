package check

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/twinzone/twinzone/pkg/config"
)

// Companies that run both DNS hosting and a registrar.
const (
	companyAmazon     = "Amazon"
	companyCloudflare = "Cloudflare"
)

// providerCompany is the company that runs a provider's nameservers ("" when self-hosted or
// unknown), as its provider folder states it.
func providerCompany(p *config.Provider) string {
	if p == nil {
		return ""
	}
	if p.Spec != nil {
		return p.Spec.Company
	}
	return ""
}

// companyWords recognise a company in the name or command of an exec or manual registrar
// (there is no adapter for Cloudflare Registrar: it cannot point a domain elsewhere).
var companyWords = []struct{ word, company string }{
	{"cloudflare", companyCloudflare},
	{"route53", companyAmazon},
	{"route-53", companyAmazon},
	{"amazon", companyAmazon},
	{"aws", companyAmazon},
	{"gandi", "Gandi"},
	{"dnsimple", "DNSimple"},
	{"porkbun", "Porkbun"},
	{"namecheap", "Namecheap"},
	{"name.com", "Name.com"},
	{"godaddy", "GoDaddy"},
	{"ovh", "OVHcloud"},
}

// registrarCompany is the company behind a registrar ("" when unknown or self-run): its
// type's (the row in providers/registrar), else a guess from its name and settings.
func registrarCompany(r *config.Registrar) string {
	if r.Spec != nil && r.Spec.Company != "" {
		return r.Spec.Company
	}
	if r.ParentServer() != "" {
		return "" // the parent zone's own server (rfc2136)
	}
	text := strings.ToLower(r.Name)
	text += " " + strings.ToLower(r.CompanyHint())
	for _, w := range companyWords {
		if strings.Contains(text, w.word) {
			return w.company
		}
	}
	// Short abbreviations count only as whole words ("cf-registrar", not "scfx").
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if tok == "cf" {
			return companyCloudflare
		}
	}
	return ""
}

// checkIndependence compares the registrar's company with the providers'.
func checkIndependence(cfg *config.Config, zc *config.Zone) []Finding {
	rc := cfg.Registrars[zc.Registrar]
	if rc == nil {
		return nil // reported by the credentials check
	}
	f := Finding{Check: CheckIndependence, Subject: rc.Name}
	rcomp := registrarCompany(rc)
	prim := cfg.Providers[zc.Primary.Provider]
	sec := cfg.Providers[zc.Secondary.Provider]
	pcomp, scomp := providerCompany(prim), providerCompany(sec)
	switch {
	case rcomp == companyCloudflare:
		f.Severity = Fail
		f.Message = fmt.Sprintf("registrar %s looks like Cloudflare Registrar, which cannot point a domain at other nameservers: failover away from Cloudflare is impossible", rc.Name)
		f.Fix = "transfer the domain to a registrar with an API for nameserver changes at another company (route53domains, gandi, dnsimple, porkbun)"
	case rcomp != "" && rcomp == pcomp:
		f.Severity = Fail
		f.Message = fmt.Sprintf("registrar %s (%s) and primary provider %s are both at %s: when %s is down, the delegation cannot be moved away from it",
			rc.Name, rc.Type, zc.Primary.Provider, rcomp, rcomp)
		f.Fix = fmt.Sprintf("transfer the domain to a registrar at another company than %s, or make a provider at another company the primary", rcomp)
	case rcomp != "" && rcomp == scomp && zc.Mode == config.ModeActiveActive:
		f.Severity = Warn
		f.Message = fmt.Sprintf("registrar %s (%s) and secondary provider %s are both at %s: in active-active mode, an outage there cannot take %s's nameservers out of the delegation (resolvers still retry the primary's)",
			rc.Name, rc.Type, zc.Secondary.Provider, rcomp, zc.Secondary.Provider)
		f.Fix = fmt.Sprintf("prefer a registrar at a third company, independent of %s", rcomp)
	default:
		f.Severity = OK
		who := rcomp
		if who == "" {
			who = "a company twinzone does not recognise (or self-run)"
		}
		f.Message = fmt.Sprintf("registrar %s (%s, %s) is independent of the primary provider %s", rc.Name, rc.Type, who, zc.Primary.Provider)
	}
	return []Finding{f}
}

// checkCloudflare reports Cloudflare's traps for a zone it serves as one of two providers.
func checkCloudflare(ctx context.Context, o *Options, zc *config.Zone, provs []openedProvider) []Finding {
	var out []Finding
	for _, op := range provs {
		if providerCompany(op.Def) != companyCloudflare {
			continue
		}
		f := Finding{Check: CheckCloudflare, Subject: op.Cfg.Provider}
		undelegated := op.Role == "secondary" && zc.Mode == config.ModeSwitch
		switch {
		case undelegated:
			f.Severity = Warn
			f.Message = fmt.Sprintf("Cloudflare (%s) is the secondary in switch mode, so its nameservers are not in the delegation: a Free-plan zone whose nameservers are not Cloudflare's is marked moved and deleted after 7 days", op.Cfg.Provider)
			f.Fix = "use a paid plan that keeps undelegated zones, or mode: active-active with Cloudflare's multi-provider DNS setting, or another provider as the secondary"
		case zc.Mode == config.ModeActiveActive:
			f.Severity = Warn
			f.Message = fmt.Sprintf("Cloudflare (%s) in active-active mode: Cloudflare ignores apex NS records, and a zone whose delegation also names other nameservers needs its multi-provider DNS setting (twinzone cannot read that setting)", op.Cfg.Provider)
			f.Fix = "turn on DNS → Settings → Multi-provider DNS for the zone (and use manage_apex_ns: true to publish both providers' NS)"
		default:
			f.Severity = OK
			f.Message = fmt.Sprintf("Cloudflare (%s) is the delegated %s", op.Cfg.Provider, op.Role)
		}
		if st, ok := op.P.(ZoneStatuser); ok && op.Err == nil {
			cctx, cancel := context.WithTimeout(ctx, apiTimeout)
			_, status, err := st.Nameservers(cctx, zc.Name)
			cancel()
			switch {
			case err != nil:
				// The credentials check reports API failures.
			case status == "moved" || status == "deleted":
				f.Severity = Fail
				f.Message = fmt.Sprintf("Cloudflare (%s) reports the zone as %q: Cloudflare deletes such zones (Free plan: after 7 days)", op.Cfg.Provider, status)
				f.Fix = "delegate the zone to Cloudflare's nameservers too (active-active with multi-provider DNS) or move to a plan that keeps it; then check the zone in the dashboard"
			case status != "" && status != "active" && f.Severity == OK:
				f.Severity = Warn
				f.Message = fmt.Sprintf("Cloudflare (%s) reports the zone as %q, not active", op.Cfg.Provider, status)
				f.Fix = "finish the zone's activation in the Cloudflare dashboard (its assigned nameservers must be in the delegation)"
			case status != "":
				f.Message += fmt.Sprintf("; zone status %q", status)
			}
		}
		out = append(out, f)
		out = append(out, checkUnlistedProxied(op, zc)...)
	}
	return out
}

// ProxiedLister is implemented by providers that know which names they proxy (the Cloudflare
// adapter, from its latest listing).
type ProxiedLister interface {
	ProxiedNames(origin string) []string
}

// checkUnlistedProxied warns about names proxied on Cloudflare that the zone's proxied key
// does not list: the other provider serves their zone-file (origin) addresses, so a failover
// would expose the origin and bypass Cloudflare's proxy.
func checkUnlistedProxied(op openedProvider, zc *config.Zone) []Finding {
	pl, ok := op.P.(ProxiedLister)
	if !ok || op.Err != nil {
		return nil
	}
	listed := map[string]bool{}
	for _, e := range zc.Proxied {
		listed[e.Name] = true
	}
	var out []Finding
	for _, name := range pl.ProxiedNames(zc.Name) {
		if listed[name] {
			continue
		}
		rel := strings.TrimSuffix(name, "."+zc.Name)
		if name == zc.Name {
			rel = `"@"`
		}
		out = append(out, Finding{Check: CheckCloudflare, Subject: op.Cfg.Provider, Severity: Warn,
			Message: fmt.Sprintf("%s is proxied on Cloudflare (%s) but not listed under the zone's proxied key: the other provider serves the zone file's (origin) addresses for it, so a failover exposes the origin", name, op.Cfg.Provider),
			Fix:     fmt.Sprintf("list it under proxied with what the other provider should serve (edge, origin, or addresses): proxied: {%s: edge}", rel)})
	}
	return out
}
