package gandi

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
)

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		e := &emulator{domains: map[string][]string{"example.com": {"ns1.old.net", "NS2.old.net"}}}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		r, _ := New(Config{Token: token, Endpoint: srv.URL})
		bad, _ := New(Config{Token: "wrong-secret-456", Endpoint: srv.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{token, "wrong-secret-456"},
			Held: func() []string {
				e.mu.Lock()
				defer e.mu.Unlock()
				return slices.Clone(e.domains["example.com"])
			}}
	})
}
