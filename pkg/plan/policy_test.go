package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// planWith builds a plan against n existing RRsets of which upd are updated, del deleted, and
// add new ones created.
func planWith(t *testing.T, n, upd, del, add int) *Plan {
	t.Helper()
	var desired, current []zone.RRset
	desired = append(desired, soa(t))
	for i := range n {
		name := fmt.Sprintf("h%04d.example.com.", i)
		current = append(current, rr(t, name, "A", 300, "192.0.2.1"))
		switch {
		case i < upd:
			desired = append(desired, rr(t, name, "A", 300, "192.0.2.2"))
		case i < upd+del:
		default:
			desired = append(desired, rr(t, name, "A", 300, "192.0.2.1"))
		}
	}
	for i := range add {
		desired = append(desired, rr(t, fmt.Sprintf("new%04d.example.com.", i), "A", 300, "192.0.2.1"))
	}
	// a stale stamp: never counted
	current = append(current, rr(t, "_twinzone.example.com.", "TXT", 60, `"v=tz1 h=old"`))
	p, err := Calculate(desired, current, Options{Stamp: stamp.Stamp{Hash: strings.Repeat("a", 64)}, Provider: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Existing != n || p.Touched() != upd+del {
		t.Fatalf("existing %d touched %d", p.Existing, p.Touched())
	}
	return p
}

func TestMaxChangeFraction(t *testing.T) {
	pol := MaxChangeFraction{Fraction: 0.3, MinExisting: 10}
	for _, tc := range []struct {
		n, upd, del, add int
		refuse           bool
	}{
		{10, 3, 0, 0, false}, // exactly 30%: allowed
		{10, 2, 2, 0, true},  // 40%
		{10, 0, 4, 0, true},
		{100, 20, 10, 0, false}, // 30%
		{100, 20, 11, 0, true},  // 31%
		{9, 9, 0, 0, false},     // below min_existing
		{10, 0, 0, 500, false},  // creations never count
		{0, 0, 0, 50, false},    // first sync
	} {
		p := planWith(t, tc.n, tc.upd, tc.del, tc.add)
		err := pol.Check(p)
		if (err != nil) != tc.refuse {
			t.Errorf("%+v: err = %v", tc, err)
		}
		if err != nil && (!errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "--force")) {
			t.Errorf("error %q not marked or not mentioning --force", err)
		}
	}
}

func TestNoDeleteAll(t *testing.T) {
	if err := (NoDeleteAll{}).Check(planWith(t, 5, 0, 5, 0)); !errors.Is(err, ErrUnsafe) {
		t.Errorf("deleting all: %v", err)
	}
	if err := (NoDeleteAll{}).Check(planWith(t, 5, 0, 4, 0)); err != nil {
		t.Errorf("deleting 4 of 5: %v", err)
	}
	if err := (NoDeleteAll{}).Check(planWith(t, 0, 0, 0, 0)); err != nil {
		t.Errorf("nothing: %v", err)
	}
	// a first sync into a provider holding only a stray record: everything existing goes,
	// but the zone is far from empty
	if err := (NoDeleteAll{}).Check(planWith(t, 1, 0, 1, 50)); err != nil {
		t.Errorf("deleting 1 of 1 while creating 50: %v", err)
	}
	// a zone file reduced to its SOA against a provider with records
	err := Check(planWith(t, 20, 0, 20, 0), DefaultPolicies()...)
	if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "deletes all 20") {
		t.Errorf("default policies: %v", err)
	}
}
