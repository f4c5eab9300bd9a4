package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/zone"
)

func TestStampHash(t *testing.T) {
	base := genZone(200, 3)
	h := StampHash(base)
	if len(h) != 64 || strings.ToLower(h) != h {
		t.Fatalf("hash %q", h)
	}
	if _, ok := ParseStamp(StampValue(h)); !ok {
		t.Fatal("ParseStamp(StampValue) failed")
	}
	same := func(name string, sets []zone.RRset) {
		t.Helper()
		if got := StampHash(sets); got != h {
			t.Errorf("%s: hash changed", name)
		}
	}
	differ := func(name string, sets []zone.RRset) {
		t.Helper()
		if got := StampHash(sets); got == h {
			t.Errorf("%s: hash unchanged", name)
		}
	}
	rev := slices.Clone(base)
	slices.Reverse(rev)
	same("order", rev)

	mod := cloneSets(base)
	mod[0].Values = []string{"other. soa. 2 1 1 1 1"} // SOA
	same("soa", mod)

	mod = cloneSets(base)
	mod[1].Values = []string{"ns.elsewhere.net."} // apex NS
	same("apex NS", mod)

	same("stamp", append(cloneSets(base), rr(t, "_twinzone.example.com.", "TXT", 60, `"v=tz1 h=x"`)))

	mod = cloneSets(base)
	for i := range mod {
		mod[i].Name = strings.ToUpper(mod[i].Name)
	}
	same("case", mod)

	withTXT := append(cloneSets(base), rr(t, "dkim.example.com.", "TXT", 300, `"`+strings.Repeat("k", 300)+`"`))
	h2 := StampHash(withTXT)
	chunked := append(cloneSets(base), rr(t, "dkim.example.com.", "TXT", 300, `"`+strings.Repeat("k", 255)+`" "`+strings.Repeat("\\107", 45)+`"`))
	if StampHash(chunked) != h2 {
		t.Error("TXT spelling (split at 255, escapes) changes the hash")
	}

	mod = cloneSets(base)
	mod[5].TTL++
	differ("ttl", mod)
	mod = cloneSets(base)
	mod[5].Values = []string{"192.0.2.99"}
	differ("value", mod)
	differ("added", append(cloneSets(base), rr(t, "zz.example.com.", "A", 1, "192.0.2.1")))
	differ("removed", base[:len(base)-1])
	differ("delegation NS", append(cloneSets(base), rr(t, "sub.example.com.", "NS", 1, "ns.sub.example.com.")))
}

func TestParseStamp(t *testing.T) {
	h := strings.Repeat("0f", 32)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`"v=tz1 h=` + h + `"`, true},
		{`v=tz1 h=` + h, true},
		{`"v=tz1 h=` + strings.ToUpper(h) + `"`, false},
		{`"v=tz1 h=` + h[:63] + `"`, false},
		{`"v=tz2 h=` + h + `"`, false},
		{`""`, false},
	} {
		got, ok := ParseStamp(tc.in)
		if ok != tc.ok || (ok && got != h) {
			t.Errorf("ParseStamp(%q) = %q %v", tc.in, got, ok)
		}
	}
}
