package porkbun

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
)

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		e := &emulator{domains: map[string][]string{"example.com": {"curitiba.ns.porkbun.com", "fortaleza.ns.porkbun.com"}}}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		r, _ := New(Config{APIKey: apiKey, SecretAPIKey: secret, Endpoint: srv.URL})
		bad, _ := New(Config{APIKey: apiKey, SecretAPIKey: "sk1_wrong_secret", Endpoint: srv.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{secret, "sk1_wrong_secret"},
			Held: func() []string {
				e.mu.Lock()
				defer e.mu.Unlock()
				return slices.Clone(e.domains["example.com"])
			}}
	})
}
