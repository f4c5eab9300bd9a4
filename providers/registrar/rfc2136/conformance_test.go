package rfc2136

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// TestConformance runs the suite against a real BIND parent zone.
func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		s := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "test.", Text: parentZone}}, Key: &key})
		r, _ := New(Config{Server: s.Addr, Zone: "test.", KeyName: key.Name, KeyAlg: key.Alg, Key: key.Secret, Timeout: 5 * time.Second})
		const wrong = "d3JvbmctdGVzdC1rZXktZm9yLXR3aW56b25lLTAxMjM="
		bad, _ := New(Config{Server: s.Addr, Zone: "test.", KeyName: key.Name, Key: wrong, Timeout: 5 * time.Second})
		records := axfr(t, s.Addr)
		return registrartest.Target{Registrar: r, Domain: "example.test.", BadCredentials: bad, Secrets: []string{key.Secret, wrong},
			Held: func() []string {
				var out []string
				for _, l := range records() {
					if name, ok := strings.CutPrefix(l, "example.test. NS "); ok {
						out = append(out, name)
					}
				}
				return slices.Clip(out)
			},
			HeldGlue: func(host string) []string {
				var out []string
				for _, l := range records() {
					if addr, ok := strings.CutPrefix(l, host+" A "); ok {
						out = append(out, addr)
					}
				}
				return out
			}}
	})
}
