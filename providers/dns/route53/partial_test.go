package route53

import (
	"context"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// A change batch refused after earlier ones were accepted: the error is a
// provider.PartialError naming exactly the changes Route 53 holds.
func TestRefusedBatchTellsWhatWasApplied(t *testing.T) {
	e := newEnv(t)
	sets := aRecords("h", 2500) // three batches of at most 1000 records
	// Someone else created the last one: its CREATE makes the third batch fail whole.
	last := sets[len(sets)-1]
	if err := e.srv.Put(e.id, r53emu.RRset{Name: last.Name, Type: "A", TTL: 60, Values: []string{"192.0.2.99"}}); err != nil {
		t.Fatal(err)
	}
	err := e.p.Apply(context.Background(), testZone, creates(sets))
	if err == nil || !strings.Contains(err.Error(), "batch 3 of 3") {
		t.Fatalf("err = %v, want the third batch refused", err)
	}
	told := map[zone.Key]bool{}
	for _, c := range provider.AppliedBefore(err) {
		told[c.Key()] = true
	}
	held := 0
	for _, s := range sets[:len(sets)-1] {
		_, ok := e.srv.Get(e.id, s.Name, "A")
		if ok {
			held++
		}
		if ok != told[s.Key()] {
			t.Errorf("%s: held %v, told applied %v", s.Key(), ok, told[s.Key()])
		}
	}
	if held == 0 || len(told) != held {
		t.Errorf("error tells %d changes applied; Route 53 holds %d", len(told), held)
	}
}
