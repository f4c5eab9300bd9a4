package cloudflare

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// TestConformance runs the shared provider conformance suite against the emulator, with the
// batch endpoint (zone given by ID) and with single calls only (the fallback; zone found by
// name, so new A/AAAA/CNAME/NS records go through libdns/cloudflare).
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   cfemu.Options
		byName bool
	}{{"batch", cfemu.Options{}, false}, {"single", cfemu.Options{NoBatch: true}, true}} {
		t.Run(tc.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
				o := tc.opts
				o.Token, o.Budget = testToken, -1
				emu := cfemu.New(o)
				t.Cleanup(emu.Close)
				id := emu.AddZone("example.com.")
				if tc.byName {
					id = ""
				}
				p, err := New(Config{APIToken: testToken, ZoneID: id, Endpoint: emu.URL, RateLimit: rate.Inf,
					HTTPClient: &http.Client{}, RequestTimeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				return p, "example.com."
			})
		})
	}
}
