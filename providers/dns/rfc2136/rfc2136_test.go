package rfc2136

import (
	"testing"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

const testOrigin = "example.test."

const baseZone = `$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns1.example.test.
@ IN NS ns2.example.test.
ns1 IN A 192.0.2.53
ns2 IN A 192.0.2.54
`

type startFunc func(testing.TB, dnsserver.Options) *dnsserver.Server

func startServer(t *testing.T, start startFunc) *dnsserver.Server {
	key := dnsserver.TestKey
	return start(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: baseZone}}, Key: &key})
}

func newTestProvider(t *testing.T, s *dnsserver.Server, chunk int) *Provider {
	t.Helper()
	k := dnsserver.TestKey
	p, err := New(Config{Server: s.Addr, KeyName: k.Name, KeyAlg: k.Alg, Key: k.Secret, Chunk: chunk})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func conformance(start startFunc) providertest.NewFunc {
	return func(t *testing.T) (provider.Provider, string) {
		s := startServer(t, start)
		return newTestProvider(t, s, 0), testOrigin
	}
}

func TestConformanceBIND(t *testing.T) { providertest.Run(t, conformance(dnsserver.StartBIND)) }
func TestConformanceKnot(t *testing.T) { providertest.Run(t, conformance(dnsserver.StartKnot)) }
