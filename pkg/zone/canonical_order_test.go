package zone

import (
	"testing"

	"github.com/miekg/dns"
)

// TestCanonicalValueSpellings: spellings providers hand back for the same data canonicalise to
// one value, so a plan after a sync is empty.
func TestCanonicalValueSpellings(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{`svc.example. 300 IN HTTPS 1 . alpn="h2" port="8443"`, `svc.example. 300 IN HTTPS 1 . port="8443" alpn="h2"`},
		{`svc.example. 300 IN SVCB 1 Target.Example. ipv4hint="192.0.2.1" alpn="h3"`, `svc.example. 300 IN SVCB 1 target.example. alpn="h3" ipv4hint="192.0.2.1"`},
		{`_443._tcp.example. 300 IN TLSA 3 1 1 abcdef0123`, `_443._tcp.example. 300 IN TLSA 3 1 1 ABCDEF0123`},
	} {
		ra, err := dns.NewRR(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := dns.NewRR(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		va, vb := CanonicalValue(ra), CanonicalValue(rb)
		if va != vb {
			t.Errorf("%q and %q canonicalise differently:\n%s\n%s", tc.a, tc.b, va, vb)
		}
		// the canonical value parses back to itself
		back, err := NewRR("x.example.", 300, ra.Header().Rrtype, va)
		if err != nil || CanonicalValue(back) != va {
			t.Errorf("canonical %q does not round-trip: %v", va, err)
		}
	}
}
