package plan

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestCalculateRules(t *testing.T) {
	const stampName = "_twinzone.example.com."
	hash := strings.Repeat("ab", 32)
	otherHash := strings.Repeat("cd", 32)
	apexNS := rr(t, "example.com.", "NS", 3600, "ns1.example.com.", "ns2.example.com.")
	apexNS2 := rr(t, "example.com.", "NS", 3600, "ns1.provider.net.")
	www := rr(t, "www.example.com.", "A", 300, "192.0.2.1")
	www2 := rr(t, "www.example.com.", "A", 300, "192.0.2.2")
	acme := rr(t, "_acme-challenge.www.example.com.", "TXT", 60, `"token"`)
	tests := []struct {
		name    string
		desired []zone.RRset
		current []zone.RRset
		opts    Options
		want    string // keys() of the changes
		err     string
		check   func(t *testing.T, p *Plan)
	}{
		{name: "identical", desired: []zone.RRset{soa(t), www}, current: []zone.RRset{www}, want: ""},
		{name: "create", desired: []zone.RRset{soa(t), www}, want: "create www.example.com. A;"},
		{name: "update values", desired: []zone.RRset{soa(t), www}, current: []zone.RRset{www2}, want: "update www.example.com. A;"},
		{name: "update ttl", desired: []zone.RRset{www}, current: []zone.RRset{rr(t, "www.example.com.", "A", 600, "192.0.2.1")},
			opts: Options{Origin: "example.com."}, want: "update www.example.com. A;"},
		{name: "delete", desired: []zone.RRset{soa(t)}, current: []zone.RRset{www}, want: "delete www.example.com. A;"},
		{name: "soa never managed", desired: []zone.RRset{soa(t)},
			current: []zone.RRset{rr(t, "example.com.", "SOA", 60, "a. b. 2 1 1 1 1")}, want: ""},
		{name: "apex NS left alone by default", desired: []zone.RRset{soa(t), apexNS}, current: []zone.RRset{apexNS2}, want: "",
			check: func(t *testing.T, p *Plan) {
				if len(p.Unmanaged) != 0 || p.Existing != 0 {
					t.Errorf("unmanaged %v existing %d", p.Unmanaged, p.Existing)
				}
			}},
		{name: "apex NS managed", desired: []zone.RRset{soa(t), apexNS}, current: []zone.RRset{apexNS2},
			opts: Options{ManageApexNS: true, Traits: Traits{ApexNSManaged: true}}, want: "update example.com. NS;"},
		{name: "apex NS wanted but provider refuses", desired: []zone.RRset{soa(t), apexNS}, current: []zone.RRset{apexNS2},
			opts: Options{ManageApexNS: true}, want: "",
			check: func(t *testing.T, p *Plan) {
				if len(p.Unmanaged) != 1 || p.Unmanaged[0].Key.Type != dns.TypeNS {
					t.Errorf("unmanaged = %v", p.Unmanaged)
				}
			}},
		{name: "delegation NS is managed", desired: []zone.RRset{soa(t), rr(t, "sub.example.com.", "NS", 3600, "ns.sub.example.com.")},
			want: "create sub.example.com. NS;"},
		{name: "stamp created", desired: []zone.RRset{soa(t), www}, current: []zone.RRset{www},
			opts: Options{Stamp: stamp.Stamp{Hash: hash}}, want: "create " + stampName + " TXT;",
			check: func(t *testing.T, p *Plan) {
				n := p.Changes[0].New
				if n.TTL != 60 || !slices.Equal(n.Values, []string{`"v=tz1 h=` + hash + `"`}) {
					t.Errorf("stamp = %+v", n)
				}
				if p.Existing != 1 || !p.IsStamp(p.Changes[0]) {
					t.Errorf("existing %d", p.Existing)
				}
				rec, st := p.Split()
				if len(rec) != 0 || st == nil {
					t.Errorf("split %v %v", rec, st)
				}
			}},
		{name: "stamp current", desired: []zone.RRset{soa(t), www},
			current: []zone.RRset{www, rr(t, stampName, "TXT", 60, StampValue(stamp.Stamp{Hash: hash}))}, opts: Options{Stamp: stamp.Stamp{Hash: hash}}, want: ""},
		{name: "stamp stale", desired: []zone.RRset{soa(t), www},
			current: []zone.RRset{www, rr(t, stampName, "TXT", 60, StampValue(stamp.Stamp{Hash: otherHash}))}, opts: Options{Stamp: stamp.Stamp{Hash: hash}},
			want: "update " + stampName + " TXT;"},
		{name: "stamp in desired is replaced", desired: []zone.RRset{soa(t), rr(t, stampName, "TXT", 300, `"junk"`)},
			current: []zone.RRset{rr(t, stampName, "TXT", 60, StampValue(stamp.Stamp{Hash: hash}))}, opts: Options{Stamp: stamp.Stamp{Hash: hash}}, want: ""},
		{name: "stamp left alone without hash", desired: []zone.RRset{soa(t)},
			current: []zone.RRset{rr(t, stampName, "TXT", 60, StampValue(stamp.Stamp{Hash: hash}))}, want: ""},
		{name: "stamp sorted among changes", desired: []zone.RRset{soa(t), www, rr(t, "a.example.com.", "A", 1, "192.0.2.9"), rr(t, "_a.example.com.", "A", 1, "192.0.2.9")},
			opts: Options{Stamp: stamp.Stamp{Hash: hash}}, want: "create _a.example.com. A;create " + stampName + " TXT;create a.example.com. A;create www.example.com. A;"},
		{name: "ignored neither created nor deleted nor updated",
			desired: []zone.RRset{soa(t), acme, rr(t, "_acme-challenge.example.com.", "TXT", 60, `"x"`)},
			current: []zone.RRset{rr(t, "_acme-challenge.www.example.com.", "TXT", 60, `"other"`), rr(t, "_acme-challenge.a.b.example.com.", "TXT", 60, `"y"`)},
			opts:    Options{Ignore: []IgnoreRule{{Name: "_acme-challenge.*", Type: "TXT"}}}, want: "",
			check: func(t *testing.T, p *Plan) {
				if p.Ignored != 3 || p.Existing != 0 {
					t.Errorf("ignored %d existing %d", p.Ignored, p.Existing)
				}
			}},
		{name: "ignore rule type filter", desired: []zone.RRset{soa(t)},
			current: []zone.RRset{rr(t, "_acme-challenge.example.com.", "A", 60, "192.0.2.1")},
			opts:    Options{Ignore: []IgnoreRule{{Name: "_acme-challenge.*.example.com.", Type: "TXT"}}},
			want:    "delete _acme-challenge.example.com. A;"},
		{name: "unmanaged left alone and reported", desired: []zone.RRset{soa(t), www}, current: []zone.RRset{www2, rr(t, "alias.example.com.", "A", 60, "192.0.2.7")},
			opts: Options{Unmanaged: []zone.Key{{Name: "www.example.com.", Type: dns.TypeA}, {Name: "ALIAS.example.com.", Type: dns.TypeA}}}, want: "",
			check: func(t *testing.T, p *Plan) {
				if len(p.Unmanaged) != 2 || !strings.Contains(p.Unmanaged[1].Reason, "desired") {
					t.Errorf("unmanaged = %v", p.Unmanaged)
				}
			}},
		{name: "type the provider cannot hold", desired: []zone.RRset{soa(t), www, rr(t, "x.example.com.", "NAPTR", 60, `100 10 "u" "E2U+sip" "!^.*$!sip:a@example.com!" .`)},
			opts: Options{Traits: Traits{Types: map[uint16]bool{dns.TypeA: true}}}, err: "x.example.com. NAPTR"},
		{name: "unsupported type only on the provider is deleted", desired: []zone.RRset{soa(t)}, current: []zone.RRset{rr(t, "x.example.com.", "LOC", 60, "1 0 0.000 N 1 0 0.000 E 0.00m 1m 10000m 10m")},
			opts: Options{Traits: Traits{Types: map[uint16]bool{dns.TypeA: true}}}, want: "delete x.example.com. LOC;"},
		{name: "ttl clamped", desired: []zone.RRset{soa(t), rr(t, "www.example.com.", "A", 30, "192.0.2.1"), rr(t, "b.example.com.", "A", 999999, "192.0.2.1")},
			current: []zone.RRset{rr(t, "www.example.com.", "A", 60, "192.0.2.1"), rr(t, "b.example.com.", "A", 86400, "192.0.2.1")},
			opts:    Options{Traits: Traits{MinTTL: 60, MaxTTL: 86400}}, want: ""},
		{name: "ttl clamp in new", desired: []zone.RRset{soa(t), rr(t, "www.example.com.", "A", 30, "192.0.2.1")},
			opts: Options{Traits: Traits{MinTTL: 60}}, want: "create www.example.com. A;",
			check: func(t *testing.T, p *Plan) {
				if p.Changes[0].New.TTL != 60 {
					t.Errorf("ttl %d", p.Changes[0].New.TTL)
				}
			}},
		{name: "auto ttl matches anything", desired: []zone.RRset{soa(t), rr(t, "www.example.com.", "A", 1, "192.0.2.1")},
			current: []zone.RRset{rr(t, "www.example.com.", "A", 300, "192.0.2.1")},
			opts:    Options{Traits: Traits{AutoTTL: 1, MinTTL: 60}}, want: ""},
		{name: "auto ttl on provider vs explicit", desired: []zone.RRset{soa(t), www},
			current: []zone.RRset{rr(t, "www.example.com.", "A", 1, "192.0.2.1")},
			opts:    Options{Traits: Traits{AutoTTL: 1, MinTTL: 60}}, want: "update www.example.com. A;"},
		{name: "case and trailing dots", desired: []zone.RRset{soa(t), rr(t, "WWW.Example.COM", "CNAME", 300, "Target.Example.NET."),
			rr(t, "m.example.com.", "MX", 300, "10 MX.example.com")},
			current: []zone.RRset{rr(t, "www.example.com.", "CNAME", 300, "target.example.net"), rr(t, "m.example.com.", "MX", 300, "10 mx.example.com.")},
			want:    ""},
		{name: "txt escapes and quoting", desired: []zone.RRset{soa(t), rr(t, "k.example.com.", "TXT", 300, `"`+strings.Repeat("a", 300)+`"`, `"ab" "c\"d"`)},
			current: []zone.RRset{rr(t, "k.example.com.", "TXT", 300, `"`+strings.Repeat("a", 255)+`" "`+strings.Repeat("a", 45)+`"`, `"\097b" c\"d`)},
			want:    ""},
		{name: "txt string boundaries matter", desired: []zone.RRset{soa(t), rr(t, "k.example.com.", "TXT", 300, `"path=/" "txtvers=1"`)},
			current: []zone.RRset{rr(t, "k.example.com.", "TXT", 300, `"path=/txtvers=1"`)}, want: "update k.example.com. TXT;"},
		{name: "txt bytes differ", desired: []zone.RRset{soa(t), rr(t, "k.example.com.", "TXT", 300, `"abc"`)},
			current: []zone.RRset{rr(t, "k.example.com.", "TXT", 300, `"ab" "d"`)}, want: "update k.example.com. TXT;"},
		{name: "unsorted input and duplicates", desired: []zone.RRset{www, soa(t), rr(t, "b.example.com.", "A", 300, "192.0.2.2"), rr(t, "b.example.com.", "A", 300, "192.0.2.1")},
			current: []zone.RRset{www, rr(t, "b.example.com.", "A", 300, "192.0.2.1", "192.0.2.2")}, want: ""},
		{name: "unsorted values", desired: []zone.RRset{soa(t), rr(t, "b.example.com.", "A", 300, "192.0.2.2", "192.0.2.1", "192.0.2.1")},
			current: []zone.RRset{rr(t, "b.example.com.", "A", 300, "192.0.2.1", "192.0.2.2")}, want: ""},
		{name: "dnssec records of a signing provider left alone", desired: []zone.RRset{soa(t), www,
			rr(t, "example.com.", "DNSKEY", 3600, "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
			rr(t, "sub.example.com.", "DS", 3600, "12345 13 2 3ad9d4a34d7d6a4f5b8bf6f8d6e5c3c6f8e0a7f1d6a2a5a1c1e5f8a9b6c3d2e1")},
			current: []zone.RRset{www, rr(t, "www.example.com.", "RRSIG", 300, "A 13 3 300 20300101000000 20200101000000 12345 example.com. AAAA"),
				rr(t, "www.example.com.", "NSEC", 300, "x.example.com. A RRSIG NSEC"),
				rr(t, "example.com.", "NSEC3PARAM", 0, "1 0 0 -"),
				rr(t, "example.com.", "CDS", 0, "0 0 0 00")},
			want: "create sub.example.com. DS;",
			check: func(t *testing.T, p *Plan) {
				if len(p.Unmanaged) != 1 || p.Unmanaged[0].Key.Type != dns.TypeDNSKEY || p.Existing != 1 {
					t.Errorf("unmanaged %v existing %d", p.Unmanaged, p.Existing)
				}
			}},
		{name: "no origin", desired: []zone.RRset{www}, err: "no zone origin"},
		{name: "empty rrsets are absent", desired: []zone.RRset{soa(t), {Name: "e.example.com.", Type: dns.TypeA}},
			current: []zone.RRset{{Name: "f.example.com.", Type: dns.TypeA}}, want: ""},
		{name: "existing counts managed only", desired: []zone.RRset{soa(t), www},
			current: []zone.RRset{soa(t), apexNS, www, acme, rr(t, "x.example.com.", "A", 1, "192.0.2.3")},
			opts:    Options{Ignore: []IgnoreRule{{Name: "_acme-challenge.*.example.com."}}}, want: "delete x.example.com. A;",
			check: func(t *testing.T, p *Plan) {
				if p.Existing != 2 {
					t.Errorf("existing %d", p.Existing)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Calculate(tc.desired, tc.current, tc.opts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrPlan) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(p.Changes); got != tc.want {
				t.Errorf("changes = %q\nwant      %q", got, tc.want)
			}
			if p.Counts.Total() != len(p.Changes) || p.Empty() != (len(p.Changes) == 0) {
				t.Errorf("counts %+v for %d changes", p.Counts, len(p.Changes))
			}
			if tc.check != nil {
				tc.check(t, p)
			}
			// whatever the case, applying the plan converges
			again, err := Calculate(tc.desired, apply(tc.current, p.Changes), tc.opts)
			if err != nil || !again.Empty() {
				t.Errorf("not converged after apply: %v %s", err, keys(again.Changes))
			}
		})
	}
}

func TestCalculateDoesNotModifyInputs(t *testing.T) {
	desired := []zone.RRset{rr(t, "b.example.com.", "TXT", 1, `"b" "c"`, `"a"`), soa(t), rr(t, "A.example.com.", "A", 1, "192.0.2.1")}
	current := []zone.RRset{rr(t, "z.example.com.", "A", 1, "192.0.2.1"), rr(t, "b.example.com.", "TXT", 1, `"x"`)}
	dc, cc := cloneSets(desired), cloneSets(current)
	if _, err := Calculate(desired, current, Options{Stamp: stamp.Stamp{Hash: strings.Repeat("0", 64)}}); err != nil {
		t.Fatal(err)
	}
	if !equalSets(desired, dc) || !equalSets(current, cc) {
		t.Fatal("inputs modified")
	}
}

func cloneSets(s []zone.RRset) []zone.RRset {
	out := slices.Clone(s)
	for i := range out {
		out[i].Values = slices.Clone(out[i].Values)
	}
	return out
}

func equalSets(a, b []zone.RRset) bool {
	return slices.EqualFunc(a, b, func(x, y zone.RRset) bool { return x.Equal(y) })
}

func TestCalculateLargeConverges(t *testing.T) {
	desired := genZone(5000, 1)
	current := mutate(desired, 0.05, 9)
	opts := Options{Origin: "example.com.", Stamp: StampOf(desired)}
	p, err := Calculate(desired, current, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.Counts.Total() < 100 {
		t.Fatalf("only %d changes", p.Counts.Total())
	}
	if !slices.IsSortedFunc(p.Changes, func(a, b Change) int { return a.Key().Compare(b.Key()) }) {
		t.Error("changes not in canonical order")
	}
	after := apply(current, p.Changes)
	again, err := Calculate(desired, after, opts)
	if err != nil || !again.Empty() {
		t.Fatalf("not converged: %v %d", err, len(again.Changes))
	}
	if want := len(desired) - 2; again.Existing != want { // SOA and apex NS aside
		t.Errorf("existing %d, want %d", again.Existing, want)
	}
}

// Calculate checks the inputs' order on the way and sorts copies only when it must: any
// order of the same RRsets (duplicates split apart included) gives the same plan.
func TestCalculateAnyOrder(t *testing.T) {
	desired, current := genZone(300, 1), genZone(300, 2)
	want, err := Calculate(zone.Sorted(desired), zone.Sorted(current), Options{Origin: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 20 {
		d, c := slices.Clone(desired), slices.Clone(current)
		// shuffle only part of the input, so that the disorder is found late, or not at all
		k := r.IntN(len(d))
		r.Shuffle(len(d)-k, func(a, b int) { d[k+a], d[k+b] = d[k+b], d[k+a] })
		r.Shuffle(len(c), func(a, b int) { c[a], c[b] = c[b], c[a] })
		got, err := Calculate(d, c, Options{Origin: "example.com."})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("plan of shuffled inputs differs: %d changes, want %d", len(got.Changes), len(want.Changes))
		}
	}
}
