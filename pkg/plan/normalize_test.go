package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestCanonicalTXT(t *testing.T) {
	long := strings.Repeat("x", 600)
	for _, tc := range []struct{ in, want string }{
		{`"abc"`, `"abc"`},
		{`""`, `""`},
		{`"a" "b"`, `"a" "b"`},
		{`a b`, `"a" "b"`},
		{`"a"  "b"`, `"a" "b"`},
		{`abc`, `"abc"`},
		{`"a\"b\\c"`, `"a\"b\\c"`},
		{`"\065\066"`, `"AB"`},
		{`"caf\195\169"`, `"caf\195\169"`},
		{`"tab\009"`, `"tab\009"`},
		{`"` + long + `"`, `"` + long[:255] + `" "` + long[255:510] + `" "` + long[510:] + `"`},
		{`"` + long[:100] + `" "` + long[100:] + `"`, `"` + long[:100] + `" "` + long[100:355] + `" "` + long[355:] + `"`},
		{`"" "a"`, `"" "a"`},
	} {
		if got := CanonicalTXT(tc.in); got != tc.want {
			t.Errorf("CanonicalTXT(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := CanonicalTXT(tc.want); got != tc.want {
			t.Errorf("not idempotent on %q: %q", tc.want, got)
		}
	}
}

// TestCanonicalTXTMatchesMiekg checks that canonical values are what miekg/dns prints for the
// same bytes, and that they round-trip through its parser.
func TestCanonicalTXTMatchesMiekg(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n := r.IntN(700)
		b := make([]byte, n)
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(256))
				if b[i] == '\\' { // miekg keeps backslash escapes in Txt as written
					b[i] = '"'
				}
			} else {
				b[i] = byte('a' + r.IntN(26))
			}
		}
		var chunks []string
		for i := 0; i < len(b) || i == 0; i += 255 {
			chunks = append(chunks, string(b[i:min(i+255, len(b))]))
		}
		txt := &dns.TXT{Hdr: dns.RR_Header{Name: "a.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: chunks}
		want := zone.CanonicalValue(txt)
		// miekg keeps raw bytes in Txt; its printer escapes them
		if got := CanonicalTXT(want); got != want {
			t.Fatalf("canonical of miekg output changed:\n%q\n%q", want, got)
		}
		parsed, err := dns.NewRR("a. 1 IN TXT " + want)
		if err != nil {
			t.Fatal(err)
		}
		if got := zone.CanonicalValue(parsed); got != want {
			t.Fatalf("round trip:\n%q\n%q", want, got)
		}
		// a different chunking of the same bytes is a different value: string boundaries
		// carry meaning (DNS-SD key=value pairs)
		var alt []string
		for i := 0; i < len(b); i += 100 {
			alt = append(alt, string(b[i:min(i+100, len(b))]))
		}
		if len(alt) == 0 {
			alt = []string{""}
		}
		txt.Txt = alt
		if got := CanonicalTXT(zone.CanonicalValue(txt)); got == want && len(alt) > 1 && len(b) > 255 {
			t.Fatalf("rechunked value canonicalised to the same value:\n%q", got)
		}
	}
}

func TestCompareNamesAgreesWithZone(t *testing.T) {
	names := []string{".", "com.", "example.com.", "a.example.com.", "A.example.com.", "z.example.com.", "*.example.com.",
		"_dmarc.example.com.", "a\\.b.example.com.", "b.a.example.com.", "aa.example.com.", "a-b.example.com.", "example.net.",
		"xn--bcher-kva.example.com.", "\\001.example.com.", "example.com"}
	for _, a := range names {
		for _, b := range names {
			want := zone.CompareNames(dns.Fqdn(a), dns.Fqdn(b))
			if got := compareNames(a, b); sign(got) != sign(want) {
				t.Errorf("compareNames(%q, %q) = %d, zone says %d", a, b, got, want)
			}
		}
	}
	for _, a := range names {
		for _, b := range names {
			ka, kb := string(appendSortKey(nil, a)), string(appendSortKey(nil, b))
			if sign(strings.Compare(ka, kb)) != sign(compareNames(a, b)) {
				t.Errorf("sort keys of %q, %q disagree with compareNames", a, b)
			}
		}
	}
	shuffled := []zone.RRset{}
	for i, n := range names {
		shuffled = append(shuffled, zone.RRset{Name: n, Type: uint16(i%3 + 1)}, zone.RRset{Name: n, Type: 1})
	}
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if v := sortedView(shuffled); !slices.IsSortedFunc(v, func(a, b zone.RRset) int { return compareKeys(&a, &b) }) {
		t.Errorf("sortedView did not sort")
	}
	sorted := slices.Clone(names)
	slices.SortFunc(sorted, compareNames)
	if !slices.IsSortedFunc(sorted, func(a, b string) int { return zone.CompareNames(dns.Fqdn(a), dns.Fqdn(b)) }) {
		t.Errorf("orders differ: %q", sorted)
	}
}

func sign(x int) int { return min(max(x, -1), 1) }

func TestIgnoreMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, name string
		want      bool
	}{
		{"_acme-challenge.*.example.com.", "_acme-challenge.example.com.", true},
		{"_acme-challenge.*.example.com.", "_acme-challenge.www.example.com.", true},
		{"_acme-challenge.*.example.com.", "_acme-challenge.a.b.example.com.", true},
		{"_acme-challenge.*.example.com.", "www.example.com.", false},
		{"_acme-challenge.*.example.com.", "x._acme-challenge.example.com.", false},
		{"_acme-challenge.*", "_ACME-Challenge.WWW.example.com.", true},
		{"*.example.com.", "example.com.", true},
		{"*.example.com.", "a.b.example.com.", true},
		{"*.example.com.", "example.net.", false},
		{"www.example.com.", "www.example.com.", true},
		{"www.example.com.", "www2.example.com.", false},
		{"www", "www.example.com.", true},
		{"mail-*.example.com.", "mail-1.example.com.", true},
		{"mail-*.example.com.", "mail-.example.com.", true},
		{"mail-*.example.com.", "mail.example.com.", false},
		{"mail-*.example.com.", "mail-1.x.example.com.", false},
		{"*dkim*.example.com.", "s1._domainkey-dkim-x.example.com.", false},
		{"*dkim*.*.example.com.", "s1.mydkimkey.example.com.", false},
		{"*.*dkim*.example.com.", "s1.mydkimkey.example.com.", true},
	} {
		ms, err := compileIgnore([]IgnoreRule{{Name: tc.pat}}, "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		if got := ms[0].match(tc.name, dns.TypeA); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.pat, tc.name, got, tc.want)
		}
	}
	if _, err := compileIgnore([]IgnoreRule{{Name: "x", Type: "BOGUS"}}, "example.com."); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := compileIgnore([]IgnoreRule{{Name: ""}}, "example.com."); err == nil {
		t.Error("empty name accepted")
	}
}

// TestNormalisationIdempotent: for random desired zones, random provider traits and a provider
// that respells what it stores (upper-case names, other TXT chunking), the plan after applying
// a plan is empty.
func TestNormalisationIdempotent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := range 50 {
		desired := genZone(100+r.IntN(100), uint64(iter))
		desired = append(desired, rr(t, "dkim.example.com.", "TXT", uint32(r.IntN(100)), `"`+strings.Repeat("p", 200+r.IntN(400))+`"`))
		current := mutate(desired, 0.3, uint64(iter))
		traits := Traits{MinTTL: uint32(r.IntN(2)) * 60, MaxTTL: uint32(r.IntN(2)) * 3600}
		if r.IntN(2) == 0 {
			traits.AutoTTL = 1
			desired = append(desired, rr(t, "auto.example.com.", "A", 1, "192.0.2.1"))
		}
		opts := Options{Traits: traits, StampHash: StampHash(desired)}
		p, err := Calculate(desired, current, opts)
		if err != nil {
			t.Fatal(err)
		}
		stored := respell(apply(current, p.Changes), r)
		again, err := Calculate(desired, stored, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Empty() {
			t.Fatalf("iteration %d: not empty after apply: %s", iter, keys(again.Changes))
		}
	}
}

// respell changes how records are written without changing what they mean.
func respell(sets []zone.RRset, r *rand.Rand) []zone.RRset {
	out := cloneSets(sets)
	for i := range out {
		if r.IntN(3) == 0 {
			out[i].Name = strings.ToUpper(out[i].Name)
		}
		if out[i].TTL == 1 { // an automatic TTL reads back as something else
			out[i].TTL = 300
		}
		if out[i].Type == dns.TypeTXT {
			// the same strings, every byte written as a \DDD escape
			for j, v := range out[i].Values {
				var s strings.Builder
				for _, str := range decodeTXTStrings(v) {
					s.WriteString(`"`)
					for _, c := range str {
						fmt.Fprintf(&s, "\\%03d", c)
					}
					s.WriteString(`" `)
				}
				out[i].Values[j] = strings.TrimSpace(s.String())
			}
		}
		slices.Reverse(out[i].Values)
	}
	slices.Reverse(out)
	return out
}
