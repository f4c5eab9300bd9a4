package route53domains

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/route53domains/r53demu"
)

// TestConformance runs the registrar suite against r53demu, which accepts only the test
// access key ID (it does not verify signatures, so a wrong secret with the right ID passes).
func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		emu := r53demu.New()
		emu.SetDomain("example.com", r53demu.Nameserver{Name: "ns-1.awsdns-01.org"}, r53demu.Nameserver{Name: "NS-2.awsdns-02.net"})
		emu.RequireAccessKeyID("AKIDTEST")
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		r, err := New(Config{Endpoint: srv.URL, AccessKeyID: "AKIDTEST", SecretAccessKey: "super-secret-key",
			PollInterval: time.Millisecond, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		bad, err := New(Config{Endpoint: srv.URL, AccessKeyID: "AKIDWRONG", SecretAccessKey: "wrong-secret-key",
			PollInterval: time.Millisecond, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{"super-secret-key", "wrong-secret-key"},
			Held: func() []string {
				var out []string
				for _, n := range emu.Domain("example.com") {
					out = append(out, n.Name)
				}
				return out
			},
			HeldGlue: func(host string) []string {
				for _, n := range emu.Domain("example.com") {
					if n.Name+"." == host {
						return n.GlueIps
					}
				}
				return nil
			}}
	})
}

// TestNoRedirectToAnotherHost: a 307 from the endpoint to another host is not followed. The
// SDK's client allows 307/308, but its request bodies cannot be rewound, so net/http does not
// re-send them; this test keeps it that way across SDK upgrades.
func TestNoRedirectToAnotherHost(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	r, err := New(Config{Endpoint: redirect.URL, AccessKeyID: "AKIDTEST", SecretAccessKey: "super-secret-key",
		PollInterval: time.Millisecond, MaxBackoff: time.Millisecond, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{{Name: "a.ns.net."}}); err == nil {
		t.Errorf("a redirected change succeeded")
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}
