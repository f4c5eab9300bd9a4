package sync

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPartialApplyIsCounted: an Apply cut half-way (provider.PartialError) counts the changes
// it says took effect, in Result.Applied and Written and in the error, for permanent and for
// transient (retried) failures alike.
func TestPartialApplyIsCounted(t *testing.T) {
	for _, transient := range []bool{false, true} {
		r := rand.New(rand.NewPCG(7, 7))
		desired := randomZone(r, 200)
		f := newFake(nil)
		f.halfApply, f.halfTransient = 1, transient
		res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(f), desired, Options{Force: true})[0]
		f.mu.Lock()
		written := len(f.written)
		f.mu.Unlock()
		if res.Applied == 0 || res.Applied != written || len(res.Written) != written {
			t.Errorf("transient=%v: Applied %d, Written %d; the provider took %d", transient, res.Applied, len(res.Written), written)
		}
		if transient {
			if res.Err != nil {
				t.Errorf("transient half apply not recovered: %v", res.Err)
			}
			continue
		}
		for i, c := range res.Written {
			if c.Key() != f.written[i].Key() {
				t.Fatalf("Written[%d] = %s, the provider took %s", i, c.Key(), f.written[i].Key())
			}
		}
		if res.Err == nil || !strings.Contains(res.Err.Error(), "changes applied before the error (create ") {
			t.Errorf("error does not say what was applied: %v", res.Err)
		}
	}
}
