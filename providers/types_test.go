package providers

import (
	"strings"
	"testing"
)

// TestCompaniesAgree: a company that runs both a DNS provider type and a registrar type is
// spelled the same in both tables, so `check` sees that the registrar and the primary share a
// company (Gandi LiveDNS with the domain at Gandi: no failover away from Gandi).
func TestCompaniesAgree(t *testing.T) {
	types := Types()
	dns := map[string]string{} // lower-case company -> spelling
	for _, p := range types.Providers {
		if p.Company != "" {
			dns[strings.ToLower(p.Company)] = p.Company
		}
	}
	for _, p := range types.Providers {
		for _, r := range types.Registrars {
			if p.Name == r.Name && p.Company != r.Company {
				t.Errorf("type %s: DNS provider company %q, registrar company %q", p.Name, p.Company, r.Company)
			}
		}
	}
	for _, r := range types.Registrars {
		if spelled, ok := dns[strings.ToLower(r.Company)]; ok && spelled != r.Company {
			t.Errorf("registrar %s: company %q, DNS providers spell it %q", r.Name, r.Company, spelled)
		}
	}
	names := map[string]bool{}
	for _, r := range types.Registrars {
		if names[r.Name] {
			t.Errorf("registrar type %s twice in the table", r.Name)
		}
		names[r.Name] = true
		if r.Decode == nil || r.CredentialHint == "" {
			t.Errorf("registrar type %s: no decoder or credential hint", r.Name)
		}
	}
}
