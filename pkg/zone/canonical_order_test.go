package zone

import (
	"strings"
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

// TestSortedOrder: Sorted (the one name order the parser, the plan and the providers use)
// agrees with CompareNames label by label, for escaped dots and names without the root dot.
func TestSortedOrder(t *testing.T) {
	names := []string{".", "com.", "example.com.", "a.example.com.", "z.example.com.", "*.example.com.",
		"_dmarc.example.com.", "a\\.b.example.com.", "b.a.example.com.", "aa.example.com.", "a-b.example.com.", "example.net.",
		"xn--bcher-kva.example.com.", "\\001.example.com.", "example.org"}
	var sets []RRset
	for i := len(names) - 1; i >= 0; i-- {
		sets = append(sets, RRset{Name: names[i], Type: 16}, RRset{Name: names[i], Type: 1})
	}
	got := Sorted(sets)
	for i := 1; i < len(got); i++ {
		if got[i-1].Key().Compare(got[i].Key()) >= 0 {
			t.Errorf("not sorted: %v before %v", got[i-1].Key(), got[i].Key())
		}
	}
	if want := []string{".", "com.", "example.com.", "*.example.com.", "\\001.example.com."}; got[0].Name != want[0] ||
		got[2].Name != want[1] || got[4].Name != want[2] || got[6].Name != want[3] || got[8].Name != want[4] {
		t.Errorf("order: %v", got[:10])
	}
	for _, tc := range []struct{ in, label, rest string }{
		{"a.b.c.", "c", "a.b"}, {"a\\.b.c", "c", "a\\.b"}, {"a\\.b", "a\\.b", ""}, {"c.", "c", ""}, {".", "", ""},
	} {
		if l, r := LastLabel(tc.in); l != tc.label || r != tc.rest {
			t.Errorf("LastLabel(%q) = %q, %q; want %q, %q", tc.in, l, r, tc.label, tc.rest)
		}
	}
}

// TestNewSvcParamsAreGeneric: SvcParams after ipv6hint (dohpath, ohttp, ...) are written in
// the RFC 3597 form, which BIND 9.18 and Knot 3.2 read; by name they refuse them.
func TestNewSvcParamsAreGeneric(t *testing.T) {
	for _, text := range []string{
		`a.example. 300 IN HTTPS 1 . alpn="h2" ohttp`,
		`a.example. 300 IN SVCB 1 doh.example. alpn="h2" dohpath="/dns-query{?dns}"`,
		`a.example. 300 IN HTTPS 1 . mandatory=ohttp ohttp`,
	} {
		rr, err := dns.NewRR(text)
		if err != nil {
			t.Fatal(err)
		}
		v := CanonicalValue(rr)
		if !strings.HasPrefix(v, `\# `) {
			t.Errorf("%s: canonical %q, want the RFC 3597 form", text, v)
		}
		back, err := NewRR("a.example.", 300, rr.Header().Rrtype, v)
		if err != nil || CanonicalValue(back) != v {
			t.Errorf("%q does not read back: %v", v, err)
		}
	}
	rr, _ := dns.NewRR(`a.example. 300 IN HTTPS 1 . alpn="h2" port=443`)
	if v := CanonicalValue(rr); strings.HasPrefix(v, `\#`) {
		t.Errorf("known keys only, yet %q", v)
	}
}
