package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
)

func newAt(t *testing.T, path string) *Provider {
	t.Helper()
	p, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func records(t *testing.T, p *Provider) []zone.RRset {
	t.Helper()
	rs, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func creates(sets []zone.RRset) []plan.Change {
	out := make([]plan.Change, len(sets))
	for i := range sets {
		out[i] = plan.Change{Action: plan.Create, New: &sets[i]}
	}
	return out
}

func sameSets(t *testing.T, what string, got, want []zone.RRset) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d RRsets, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Fatalf("%s: RRset %d = %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// What Records returns from the provider's snapshot (no parse) is exactly what parsing the
// file gives: after a write, after a read, for every type the conformance suite knows.
func TestSnapshotEqualsParse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.zone")
	p := newAt(t, path)
	sets := providertest.TypeFixtures(testZone)
	if err := p.Apply(context.Background(), testZone, creates(sets)); err != nil {
		t.Fatal(err)
	}
	if p.last == nil {
		t.Fatal("no snapshot after writing canonical RRsets")
	}
	fresh := records(t, newAt(t, path)) // parses
	sameSets(t, "snapshot after write", records(t, p), fresh)
	q := newAt(t, path)
	records(t, q)
	if q.last == nil {
		t.Fatal("no snapshot after parsing")
	}
	sameSets(t, "snapshot after parse", records(t, q), fresh)
}

// Any change to the file's bytes behind the provider's back is seen, even one that keeps the
// size and the modification time.
func TestSnapshotSeesEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.zone")
	p := newAt(t, path)
	a := zone.RRset{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
	if err := p.Apply(context.Background(), testZone, creates([]zone.RRset{a})); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "192.0.2.1", "192.0.2.9", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	got := records(t, p)
	found := false
	for _, s := range got {
		if s.Key() == a.Key() {
			found = s.Values[0] == "192.0.2.9"
		}
	}
	if !found {
		t.Fatalf("edit behind the provider's back not seen: %+v", got)
	}
	// Apply against the stale plan is refused, as before.
	b := a
	b.Values = []string{"192.0.2.2"}
	err = p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Update, Old: &a, New: &b}})
	if err == nil || !strings.Contains(err.Error(), "changed since the plan") {
		t.Fatalf("stale update: %v", err)
	}
}

// A zone read through $INCLUDE is never reused: the hash covers only the main file.
func TestSnapshotNotForIncludes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "z.zone")
	inc := filepath.Join(dir, "part.zone")
	if err := os.WriteFile(inc, []byte("a 300 IN A 192.0.2.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	main := "$ORIGIN " + testZone + "\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n$INCLUDE part.zone\n"
	if err := os.WriteFile(path, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newAt(t, path)
	records(t, p)
	if p.last != nil {
		t.Fatal("a zone with $INCLUDE was kept as a snapshot")
	}
	if err := os.WriteFile(inc, []byte("a 300 IN A 192.0.2.7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range records(t, p) {
		if s.Type == dns.TypeA && s.Values[0] != "192.0.2.7" {
			t.Fatalf("change in the included file not seen: %+v", s)
		}
	}
}

// A write whose output would not parse back the same (values out of canonical order, a CNAME
// beside other data) is not kept: the next read parses the file, as it always did.
func TestSnapshotOnlyWhatReadsBack(t *testing.T) {
	for name, sets := range map[string][]zone.RRset{
		"unsorted values": {{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.2", "192.0.2.1"}}},
		"cname beside data": {
			{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}},
			{Name: "a." + testZone, Type: dns.TypeCNAME, TTL: 300, Values: []string{"b." + testZone}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "z.zone")
			p := newAt(t, path)
			if err := p.Apply(context.Background(), testZone, creates(sets)); err != nil {
				t.Fatal(err)
			}
			if p.last != nil {
				t.Fatal("kept a snapshot that parsing would not reproduce")
			}
			got, err := p.Records(context.Background(), testZone)
			want, werr := newAt(t, path).Records(context.Background(), testZone)
			if (err == nil) != (werr == nil) {
				t.Fatalf("Records: %v, fresh parse: %v", err, werr)
			}
			if err == nil {
				sameSets(t, "records", got, want)
			}
		})
	}
}

// merge keeps canonical order, applies changes to one key in the order given, and refuses
// stale or impossible changes.
func TestMerge(t *testing.T) {
	p := newAt(t, filepath.Join(t.TempDir(), "z.zone"))
	rs := func(name, v string) zone.RRset {
		return zone.RRset{Name: name + "." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{v}}
	}
	a, b, c, d := rs("a", "192.0.2.1"), rs("b", "192.0.2.2"), rs("c", "192.0.2.3"), rs("d", "192.0.2.4")
	b2 := rs("b", "192.0.2.22")
	cur := []zone.RRset{a, b, d}
	got, err := p.merge(cur, []plan.Change{
		{Action: plan.Create, New: &c},
		{Action: plan.Delete, Old: &b},
		{Action: plan.Create, New: &b2}, // after the delete of the same key
		{Action: plan.Delete, Old: &a},
	})
	if err != nil {
		t.Fatal(err)
	}
	sameSets(t, "merged", got, []zone.RRset{b2, c, d})
	sameSets(t, "input untouched", cur, []zone.RRset{a, b, d})
	for name, ch := range map[string]plan.Change{
		"create existing": {Action: plan.Create, New: &a},
		"stale update":    {Action: plan.Update, Old: &b2, New: &b},
		"delete missing":  {Action: plan.Delete, Old: &c},
	} {
		if _, err := p.merge(cur, []plan.Change{ch}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
