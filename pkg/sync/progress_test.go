package sync

import (
	"context"
	stdsync "sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// TestProgress: the hook sees every batch of every target, in order, ending at the total.
func TestProgress(t *testing.T) {
	desired := []zone.RRset{soaSet()}
	for i := range 10 {
		desired = append(desired, zone.RRset{Name: "p" + string(rune('a'+i)) + ".example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}})
	}
	var mu stdsync.Mutex
	seen := map[string][]int{}
	totals := map[string]int{}
	s := &Syncer{BatchSize: 4, Progress: func(target string, applied, total int) {
		mu.Lock()
		defer mu.Unlock()
		seen[target] = append(seen[target], applied)
		totals[target] = total
	}}
	f1, f2 := newFake(nil), newFake(nil)
	ts := targets(f1, f2)
	if err := errOf(s.Sync(context.Background(), ts, desired, Options{})); err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		got := seen[tg.Name]
		if want := []int{4, 8, 10}; len(got) != len(want) || got[0] != 4 || got[1] != 8 || got[2] != 10 {
			t.Errorf("%s: progress %v, want %v", tg.Name, got, want)
		}
		if totals[tg.Name] != 10 {
			t.Errorf("%s: total %d, want 10", tg.Name, totals[tg.Name])
		}
	}
}
