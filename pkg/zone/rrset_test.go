package zone

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// oldCanonicalValue is the original, obviously correct definition of CanonicalValue: the
// optimised one must print exactly the same.
func oldCanonicalValue(rr dns.RR) string {
	rr = dns.Copy(rr)
	switch v := rr.(type) {
	case *dns.NS:
		v.Ns = strings.ToLower(v.Ns)
	case *dns.CNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.DNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.PTR:
		v.Ptr = strings.ToLower(v.Ptr)
	case *dns.MX:
		v.Mx = strings.ToLower(v.Mx)
	case *dns.SRV:
		v.Target = strings.ToLower(v.Target)
	case *dns.SOA:
		v.Ns, v.Mbox = strings.ToLower(v.Ns), strings.ToLower(v.Mbox)
	case *dns.HTTPS:
		v.Target = strings.ToLower(v.Target)
	case *dns.SVCB:
		v.Target = strings.ToLower(v.Target)
	case *dns.NAPTR:
		v.Replacement = strings.ToLower(v.Replacement)
	case *dns.KX:
		v.Exchanger = strings.ToLower(v.Exchanger)
	case *dns.RP:
		v.Mbox, v.Txt = strings.ToLower(v.Mbox), strings.ToLower(v.Txt)
	case *dns.AFSDB:
		v.Hostname = strings.ToLower(v.Hostname)
	}
	s := rr.String()
	return strings.TrimSpace(s[len(rr.Header().String()):])
}

// oldCompareNames is the original CompareNames.
func oldCompareNames(a, b string) int {
	if a == b {
		return 0
	}
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	i, j := len(la)-1, len(lb)-1
	for i >= 0 && j >= 0 {
		if c := strings.Compare(strings.ToLower(la[i]), strings.ToLower(lb[j])); c != 0 {
			return c
		}
		i--
		j--
	}
	return cmp.Compare(len(la), len(lb))
}

var canonicalCases = []string{
	"x.example. 300 IN A 192.0.2.1",
	"x.example. 300 IN AAAA 2001:db8::1",
	"x.example. 300 IN AAAA ::ffff:192.0.2.1",
	"X.Example. 300 IN NS NS1.Example.",
	"x.example. 300 IN NS ns1.example.",
	`x.example. 300 IN NS ns\@1.Example.`,
	`x.example. 300 IN NS n\(s1.example.`,
	"x.example. 300 IN CNAME WWW.Example.COM.",
	`x.example. 300 IN CNAME a\.b.example.`,
	`x.example. 300 IN CNAME a\032b.example.`,
	`x.example. 300 IN CNAME \195\169.example.`,
	"x.example. 300 IN DNAME Other.Example.",
	"x.example. 300 IN PTR Host.Example.",
	"x.example. 300 IN MX 10 Mail.Example.",
	"x.example. 300 IN MX 0 .",
	`x.example. 300 IN MX 5 m\;x.example.`,
	"x.example. 300 IN SRV 10 60 5060 SIP.Example.",
	"x.example. 300 IN SOA NS1.Example. Host\\.Master.Example. 1 2 3 4 5",
	`x.example. 300 IN TXT "hello" "World"`,
	`x.example. 300 IN TXT "a \"quoted\" b"`,
	`x.example. 300 IN TXT "back\\slash"`,
	`x.example. 300 IN TXT "caf\195\169"`,
	`x.example. 300 IN TXT "tab\009x"`,
	`x.example. 300 IN TXT ""`,
	`x.example. 300 IN TXT "; not a comment" "(x)"`,
	"x.example. 300 IN TXT " + `"` + strings.Repeat("k", 255) + `" "` + strings.Repeat("z", 100) + `"`,
	`x.example. 300 IN SPF "v=spf1 -all"`,
	`x.example. 300 IN CAA 0 issue "letsencrypt.org"`,
	`x.example. 300 IN HTTPS 1 Svc.Example. alpn="h3,h2" port=8443`,
	`x.example. 300 IN SVCB 0 Alias.Example.`,
	`x.example. 300 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.Example.`,
	"x.example. 300 IN KX 10 KX.Example.",
	"x.example. 300 IN RP Mbox.Example. Txt.Example.",
	"x.example. 300 IN AFSDB 1 Afs.Example.",
	"x.example. 300 IN DS 12345 13 2 3f2a5c8d",
	"x.example. 300 IN SSHFP 1 1 abcdef",
	"x.example. 300 IN TLSA 3 1 1 ABCDEF",
	"x.example. 300 IN HINFO \"cpu\" \"os\"",
	"x.example. 300 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
}

func TestCanonicalValueMatchesOriginal(t *testing.T) {
	for _, c := range canonicalCases {
		rr, err := dns.NewRR(c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		before := rr.String()
		got, want := CanonicalValue(rr), oldCanonicalValue(rr)
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", c, got, want)
		}
		if rr.String() != before {
			t.Errorf("%s: CanonicalValue modified its argument", c)
		}
	}
	// Unknown types: the original cut the RFC 3597 header ("CLASS1 TYPE65280") at the length
	// of the usual one ("IN TYPE65280") and kept "280\t"; the RDATA alone is right.
	rr, _ := dns.NewRR("x.example. 300 IN TYPE65280 \\# 4 0A000001")
	if got := CanonicalValue(rr); got != `\# 4 0A000001` {
		t.Errorf("unknown type: got %q", got)
	}
	// Nil addresses and empty names print as miekg prints them.
	for _, rr := range []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeA, Class: dns.ClassINET}},
		&dns.AAAA{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeAAAA, Class: dns.ClassINET}},
		&dns.TXT{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeTXT, Class: dns.ClassINET}},
		&dns.CNAME{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeCNAME, Class: dns.ClassINET}}} {
		if got, want := CanonicalValue(rr), oldCanonicalValue(rr); got != want {
			t.Errorf("%T: got %q want %q", rr, got, want)
		}
	}
}

func TestCanonicalValueLowersNames(t *testing.T) {
	rr, _ := dns.NewRR("x.example. 300 IN MX 10 Mail.EXAMPLE.")
	if got := CanonicalValue(rr); got != "10 mail.example." {
		t.Fatalf("got %q", got)
	}
	if rr.(*dns.MX).Mx != "Mail.EXAMPLE." {
		t.Fatal("argument modified")
	}
}

func TestCompareNamesMatchesOriginal(t *testing.T) {
	names := []string{".", "example.", "Example.", "a.example.", "A.example.", "b.example.",
		"ab.example.", "a.b.example.", "*.example.", "_dmarc.example.", "z.example.",
		`a\.b.example.`, `a\\.b.example.`, "a-b.example.", "example.com.", "example.net.",
		"www.example.com.", "WWW.example.com.", "x.www.example.com.", "1.example.", "a.", "a.b.",
		"example", "a.example", "\\065.example.", "xn--caf-dma.example.", "a..b.", "a.b.c.d.e."}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 { // random names over a small alphabet, to hit shared prefixes and suffixes
		var b strings.Builder
		for n := r.IntN(4) + 1; n > 0; n-- {
			for m := r.IntN(3) + 1; m > 0; m-- {
				b.WriteByte("aAbB-_*\\"[r.IntN(8)])
			}
			b.WriteByte('.')
		}
		names = append(names, b.String())
	}
	for _, a := range names {
		for _, b := range names {
			if got, want := sign(CompareNames(a, b)), sign(oldCompareNames(a, b)); got != want {
				t.Fatalf("CompareNames(%q, %q) = %d, original %d", a, b, got, want)
			}
		}
	}
}

func sign(n int) int { return cmp.Compare(n, 0) }

func TestCompareNamesAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		CompareNames("www.Example.com.", "mail.example.com.")
		CompareNames(`a\.b.example.`, "a.b.example.")
	})
	if n != 0 {
		t.Fatalf("CompareNames allocates %v times", n)
	}
}

// TestSortMatchesCompare checks that the keyed sort inside Sort orders like Key.Compare.
func TestSortMatchesCompare(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var sets []RRset
	for i := range 2000 {
		var b strings.Builder
		for n := r.IntN(3) + 1; n > 0; n-- {
			for m := r.IntN(3) + 1; m > 0; m-- {
				b.WriteByte("aAbB-_*"[r.IntN(7)])
			}
			b.WriteByte('.')
		}
		b.WriteString("example.")
		sets = append(sets, RRset{Name: b.String(), Type: uint16(r.IntN(3) + 1), TTL: uint32(i),
			Values: []string{"b", "a", "b"}})
	}
	Sort(sets)
	if !slices.IsSortedFunc(sets, compareSets) {
		t.Fatal("Sort did not sort by Key.Compare")
	}
	for _, s := range sets {
		if !slices.Equal(s.Values, []string{"a", "b"}) {
			t.Fatalf("values %v not sorted and unique", s.Values)
		}
	}
}

func TestZoneEqualIgnoresLines(t *testing.T) {
	a, err := Parse(strings.NewReader("$ORIGIN example.com.\nx 300 A 192.0.2.1\n"), "", "a.zone")
	if err != nil {
		t.Fatal(err)
	}
	b := &Zone{Origin: "example.com.", RRsets: []RRset{{Name: "x.example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}}}
	if !a.Equal(b) || !b.Equal(a) {
		t.Fatal("zones differ")
	}
	if got := a.Line(b.RRsets[0].Key()); got != (Pos{"a.zone", 2}) {
		t.Fatalf("Line = %v", got)
	}
	if got := b.Line(b.RRsets[0].Key()); got != (Pos{}) {
		t.Fatalf("Line of a built zone = %v", got)
	}
}
