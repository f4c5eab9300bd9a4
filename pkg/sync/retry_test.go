package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/provider"
)

// A provider whose own retry layer gave up is not retried again, even when its error also
// carries ErrTransient.
func TestGaveUpIsNotRetried(t *testing.T) {
	desired := randomZone(rand.New(rand.NewPCG(5, 5)), 10)
	for _, err := range []error{
		provider.MarkGaveUp(errors.New("503, 7 attempts")),
		provider.MarkGaveUp(provider.MarkTransient(errors.New("503, 7 attempts"))),
	} {
		f := newFake(nil)
		f.failReads = err
		res := (&Syncer{Retry: RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond}}).
			Sync(context.Background(), targets(f), desired, Options{})
		if !errors.Is(res[0].Err, provider.ErrGaveUp) {
			t.Fatalf("err = %v", res[0].Err)
		}
		if reads, _ := f.counts(); reads != 1 {
			t.Errorf("given-up read tried %d times, want 1", reads)
		}
	}
}

// Reads and apply rounds of one target share one budget of Attempts-1 retries.
func TestRetryBudgetShared(t *testing.T) {
	desired := randomZone(rand.New(rand.NewPCG(6, 6)), 10)
	f := newFake(nil)
	f.transientReads, f.transientApply = 3, 3
	res := (&Syncer{Retry: RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond}}).
		Sync(context.Background(), targets(f), desired, Options{})
	if !errors.Is(res[0].Err, provider.ErrTransient) {
		t.Fatalf("err = %v, want the transient error once 4 retries are spent", res[0].Err)
	}
	// 3 failed reads (3 retries) and the good read; a failed apply, the 4th retry re-reads
	// and re-plans; the second failed apply finds the budget spent. (Separate budgets for
	// reads and rounds would have converged.)
	if reads, applies := f.counts(); reads != 5 || applies != 2 {
		t.Errorf("reads %d applies %d, want 5 and 2", reads, applies)
	}
}
