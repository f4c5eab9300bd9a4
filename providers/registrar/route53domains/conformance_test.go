package route53domains

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/route53domains/r53demu"
)

// TestConformance runs the registrar suite against r53demu. r53demu checks the SigV4 scope
// but not the key itself, so the wrong-credentials case is not exercised here.
func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		emu := r53demu.New()
		emu.SetDomain("example.com", r53demu.Nameserver{Name: "ns-1.awsdns-01.org"}, r53demu.Nameserver{Name: "NS-2.awsdns-02.net"})
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		r, err := New(Config{Endpoint: srv.URL, AccessKeyID: "AKIDTEST", SecretAccessKey: "super-secret-key",
			PollInterval: time.Millisecond, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", Secrets: []string{"super-secret-key"},
			Held: func() []string {
				var out []string
				for _, n := range emu.Domain("example.com") {
					out = append(out, n.Name)
				}
				return out
			}}
	})
}
