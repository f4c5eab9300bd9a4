package sync

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestNoLossProperty: for random desired and current zones and random faults (transient and
// permanent, before or half way through an Apply call, on reads too), every RRset ends either
// old or new, never anything else; RRsets outside the plan (SOA, apex NS, unmanaged) are
// untouched; a stamp is written only by a sync that succeeded; and a fault-free sync afterwards
// converges.
func TestNoLossProperty(t *testing.T) {
	iterations := 300
	if testing.Short() {
		iterations = 50
	}
	for it := range iterations {
		r := rand.New(rand.NewPCG(uint64(it), 42))
		desired := randomZone(r, 10+r.IntN(80))
		initial := randomZone(r, r.IntN(80))
		initial[0].Values = []string{"provider.example.net. admin.example.net. 7 1 1 1 1"} // the provider's own SOA
		f := newFake(initial)
		f.rand = r.Float64
		f.faultRate = []float64{0, 0.2, 0.5, 0.9}[r.IntN(4)]
		if r.IntN(3) == 0 {
			f.failApply = 1 + r.IntN(4)
			f.failTransient = r.IntN(2) == 0
		}
		if r.IntN(3) == 0 {
			f.halfApply = 1 + r.IntN(4)
		}
		f.transientReads = r.IntN(3)
		s := &Syncer{Retry: fastRetry, BatchSize: []int{0, 1, 7}[r.IntN(3)]}
		res := s.Sync(context.Background(), targets(f), desired, Options{Force: true})[0]
		if res.Plan == nil {
			if res.Err == nil {
				t.Fatalf("iteration %d: no plan and no error", it)
			}
			continue
		}
		inPlan := map[zone.Key]plan.Change{}
		for _, c := range res.Plan.Changes {
			inPlan[c.Key()] = c
		}
		st := f.state()
		stampKey := zone.Key{Name: plan.StampName(origin), Type: dns.TypeTXT}
		for _, s0 := range initial {
			if _, ok := inPlan[s0.Key()]; ok {
				continue
			}
			if got, ok := st[s0.Key()]; !ok || !got.Equal(s0) {
				t.Fatalf("iteration %d: %s changed outside the plan: %v", it, s0.Key(), got)
			}
		}
		for k, got := range st {
			c, ok := inPlan[k]
			if !ok {
				if !contains(initial, got) {
					t.Fatalf("iteration %d: %s appeared outside the plan", it, k)
				}
				continue
			}
			if !(c.Old != nil && got.Equal(*c.Old) || c.New != nil && got.Equal(*c.New)) {
				t.Fatalf("iteration %d: %s is neither old nor new: %v", it, k, got)
			}
		}
		for k, c := range inPlan {
			if _, ok := st[k]; !ok && c.Old != nil && c.New != nil {
				t.Fatalf("iteration %d: %s (updated) went missing", it, k)
			}
		}
		if h, ok := stampOf(f); ok && h == plan.StampHash(desired) && res.Err != nil {
			if c, inp := inPlan[stampKey]; inp && c.Action != plan.Delete {
				t.Fatalf("iteration %d: stamp written by a failed sync (%v)", it, res.Err)
			}
		}
		if res.Err == nil && !converged(t, f, desired) {
			t.Fatalf("iteration %d: sync returned nil but did not converge", it)
		}
		// a fault-free run converges
		f.mu.Lock()
		f.faultRate, f.failApply, f.halfApply, f.transientReads = 0, 0, 0, 0
		f.mu.Unlock()
		if err := errOf(s.Sync(context.Background(), targets(f), desired, Options{Force: true})); err != nil {
			t.Fatalf("iteration %d: fault-free sync: %v", it, err)
		}
		if !converged(t, f, desired) {
			t.Fatalf("iteration %d: fault-free sync did not converge", it)
		}
		if got := f.state()[initial[0].Key()]; !got.Equal(initial[0]) {
			t.Fatalf("iteration %d: SOA touched", it)
		}
	}
}

func contains(sets []zone.RRset, s zone.RRset) bool {
	for _, x := range sets {
		if x.Equal(s) {
			return true
		}
	}
	return false
}
