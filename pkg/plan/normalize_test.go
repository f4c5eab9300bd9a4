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
		opts := Options{Traits: traits, Stamp: StampOf(desired)}
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
				for _, str := range zone.DecodeTXT(v) {
					s.WriteString(`"`)
					for _, c := range []byte(str) {
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

// TestSignerRecordsNeverManaged: what a signer adds (RRSIG, NSEC, NSEC3, their RFC 2535
// forerunners SIG and NXT, BIND's TYPE65534 signing state at the apex) is neither written
// nor deleted.
func TestSignerRecordsNeverManaged(t *testing.T) {
	const origin = "example.test."
	var sets []zone.RRset
	for _, k := range []zone.Key{{Name: origin, Type: 65534}, {Name: "a." + origin, Type: dns.TypeNXT}, {Name: "a." + origin, Type: dns.TypeSIG},
		{Name: "a." + origin, Type: dns.TypeRRSIG}, {Name: "a." + origin, Type: dns.TypeNSEC}} {
		sets = append(sets, zone.RRset{Name: k.Name, Type: k.Type, TTL: 60, Values: []string{`\# 1 00`}})
	}
	for _, tc := range [][2][]zone.RRset{{sets, nil}, {nil, sets}} {
		p, err := Calculate(tc[0], tc[1], Options{Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 0 {
			t.Errorf("plan changes signer records: %v", p.Changes)
		}
	}
}
