package zone

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/miekg/dns"
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
		want := CanonicalValue(txt)
		// miekg keeps raw bytes in Txt; its printer escapes them
		if got := CanonicalTXT(want); got != want {
			t.Fatalf("canonical of miekg output changed:\n%q\n%q", want, got)
		}
		parsed, err := dns.NewRR("a. 1 IN TXT " + want)
		if err != nil {
			t.Fatal(err)
		}
		if got := CanonicalValue(parsed); got != want {
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
		if got := CanonicalTXT(CanonicalValue(txt)); got == want && len(alt) > 1 && len(b) > 255 {
			t.Fatalf("rechunked value canonicalised to the same value:\n%q", got)
		}
	}
}

// FuzzCanonicalTXT: canonicalisation is idempotent, keeps the bytes, and yields what miekg/dns
// prints for them.
func FuzzCanonicalTXT(f *testing.F) {
	for _, s := range []string{`"abc"`, `""`, `"a" "b"`, `abc def`, `"a\"b\\c"`, `"\065\255"`, `"caf\195\169"`, `"unterminated`, `\`, `"\1"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CanonicalTXT(s)
		if CanonicalTXT(c) != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, CanonicalTXT(c))
		}
		if strings.Join(DecodeTXT(c), "") != strings.Join(DecodeTXT(s), "") {
			t.Fatalf("bytes changed: %q -> %q", s, c)
		}
		rr, err := dns.NewRR("a. 1 IN TXT " + c)
		if err != nil {
			t.Fatalf("miekg cannot parse %q: %v", c, err)
		}
		if got := CanonicalValue(rr); got != c {
			t.Fatalf("miekg prints %q as %q", c, got)
		}
	})
}
