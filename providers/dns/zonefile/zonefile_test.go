package zonefile

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
)

const testZone = "example.test."

// TestConformance runs the provider conformance suite against a zone file in a temp dir.
func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		p, err := New(Config{Path: filepath.Join(t.TempDir(), "example.test.zone")})
		if err != nil {
			t.Fatal(err)
		}
		return p, testZone
	})
}

// What a zonefile provider applies is in the file: a second provider on the same file (as
// the next twinzone run would open) reads back every RRset.
func TestWrittenFileReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.zone")
	p, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	sets := providertest.TypeFixtures(testZone)
	changes := make([]plan.Change, len(sets))
	for i := range sets {
		changes[i] = plan.Change{Action: plan.Create, New: &sets[i]}
	}
	if err := p.Apply(context.Background(), testZone, changes); err != nil {
		t.Fatal(err)
	}
	q, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[zone.Key]zone.RRset{}
	for _, s := range got {
		byKey[s.Key()] = s
	}
	for _, want := range sets {
		if g, ok := byKey[want.Key()]; !ok || !slices.Equal(g.Values, want.Values) || g.TTL != want.TTL {
			t.Errorf("%s: read back %+v, want %+v", want.Key(), g, want)
		}
	}
}
