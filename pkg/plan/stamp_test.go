package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestStampHash(t *testing.T) {
	base := genZone(200, 3)
	h := StampHash(base)
	if len(h) != 64 || strings.ToLower(h) != h {
		t.Fatalf("hash %q", h)
	}
	if got, ok := stamp.Parse(string(decodeTXT(StampValue(StampOf(base))))); !ok || got.Hash != h {
		t.Fatalf("stamp.Parse(StampValue(StampOf)) = %+v, %v", got, ok)
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

func TestStampOfCarriesTheSOASerial(t *testing.T) {
	desired := []zone.RRset{rr(t, "example.com.", "SOA", 3600, "ns.example.com. admin.example.com. 2026120201 7200 3600 1209600 300"),
		rr(t, "www.example.com.", "A", 300, "192.0.2.1")}
	s := StampOf(desired)
	if !s.HasGeneration || s.Generation != 2026120201 || s.Hash != StampHash(desired) {
		t.Fatalf("StampOf = %+v", s)
	}
	if v := StampValue(s); v != `"v=tz2 g=2026120201 h=`+s.Hash+`"` {
		t.Fatalf("StampValue = %s", v)
	}
	if s := StampOf(desired[1:]); s.HasGeneration || s.Hash == "" {
		t.Fatalf("StampOf without SOA = %+v, want a stamp without generation", s)
	}
}

func TestNoDowngrade(t *testing.T) {
	soa := func(serial string) zone.RRset {
		return rr(t, "example.com.", "SOA", 3600, "ns.example.com. admin.example.com. "+serial+" 7200 3600 1209600 300")
	}
	newer := []zone.RRset{soa("2026120202"), rr(t, "www.example.com.", "A", 300, "192.0.2.2")}
	older := []zone.RRset{soa("2026120201"), rr(t, "www.example.com.", "A", 300, "192.0.2.1")}
	served := rr(t, StampName("example.com."), "TXT", 60, StampValue(StampOf(newer)))
	current := []zone.RRset{newer[1], served}
	p, err := Calculate(older, current, Options{Origin: "example.com.", Provider: "pri", Stamp: StampOf(older)})
	if err != nil {
		t.Fatal(err)
	}
	s, n, ok := p.StampChange()
	if !ok || s != StampOf(newer) || n != StampOf(older) {
		t.Fatalf("StampChange = %s, %s, %v", s.Short(), n.Short(), ok)
	}
	if err := (NoDowngrade{}).Check(p); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "newer than this zone file") {
		t.Fatalf("pushing an older file: %v", err)
	}
	// The newer file over the older one, a tz1 stamp of other content, or the same generation
	// with other content (a warning for the caller, not a refusal) all pass.
	for _, c := range []struct {
		desired []zone.RRset
		served  string
	}{
		{newer, StampValue(StampOf(older))},
		{older, `"v=tz1 h=` + StampHash(newer) + `"`},
		{[]zone.RRset{soa("2026120202"), older[1]}, StampValue(StampOf(newer))},
	} {
		cur := []zone.RRset{rr(t, StampName("example.com."), "TXT", 60, c.served)}
		p, err := Calculate(c.desired, cur, Options{Origin: "example.com.", Stamp: StampOf(c.desired)})
		if err != nil {
			t.Fatal(err)
		}
		if err := (NoDowngrade{}).Check(p); err != nil {
			t.Errorf("served %s: %v", c.served, err)
		}
	}
}
