package providertest

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestManaged(t *testing.T) {
	const o = "example.com."
	z := &zone.Zone{Origin: o, RRsets: []zone.RRset{
		{Name: o, Type: dns.TypeSOA, TTL: 3600, Values: []string{"ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"}},
		{Name: o, Type: dns.TypeNS, TTL: 3600, Values: []string{"ns1.example.com."}},
		{Name: "a.example.com.", Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.1"}},
		{Name: "b.example.com.", Type: dns.TypeA, TTL: 3600, Values: []string{"192.0.2.2"}},
		{Name: "skip.example.com.", Type: dns.TypeA, TTL: 3600, Values: []string{"192.0.2.3"}},
	}}
	m, err := Managed(z, plan.Options{Ignore: []plan.IgnoreRule{{Name: "skip"}}, Traits: plan.Traits{MinTTL: 600}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 { // SOA, apex NS and the ignored name left out
		t.Fatalf("managed %d RRsets, want 2: %+v", len(m), m)
	}
	for _, s := range m {
		if s.TTL < 600 {
			t.Fatalf("TTL not clamped: %+v", s)
		}
	}
}
