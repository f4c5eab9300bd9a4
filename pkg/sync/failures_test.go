package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestTransientRetries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	desired := randomZone(r, 50)
	f := newFake(nil)
	f.transientReads = 2
	f.transientApply = 2
	res := (&Syncer{Retry: RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond}}).
		Sync(context.Background(), targets(f), desired, Options{})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if !converged(t, f, desired) {
		t.Fatal("not converged")
	}
	reads, applies := f.counts()
	// 2 failed reads + initial read, 2 failed applies each followed by a re-read, the
	// successful apply, the read back, the stamp and its read back
	if reads != 3+2+1+1 || applies != 2+1+1 {
		t.Errorf("reads %d applies %d", reads, applies)
	}

	// attempts are bounded
	g := newFake(nil)
	g.transientApply = 100
	res = (&Syncer{Retry: RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}}).
		Sync(context.Background(), targets(g), desired, Options{})
	if res[0].Err == nil || !errors.Is(res[0].Err, provider.ErrTransient) {
		t.Fatalf("err = %v", res[0].Err)
	}
	if _, applies := g.counts(); applies != 3 {
		t.Errorf("%d apply attempts, want 3", applies)
	}
}

func TestPartialFailureThenNextSyncConverges(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	desired := randomZone(r, 300)
	initial := randomZone(r, 300)
	f := newFake(initial)
	f.halfApply = 1
	s := &Syncer{Retry: fastRetry}
	res := s.Sync(context.Background(), targets(f), desired, Options{Force: true})
	if res[0].Err == nil {
		t.Fatal("no error after a half-applied batch")
	}
	p := res[0].Plan
	inPlan := map[zone.Key]plan.Change{}
	for _, c := range p.Changes {
		inPlan[c.Key()] = c
	}
	st := f.state()
	for _, s0 := range initial {
		if _, ok := inPlan[s0.Key()]; !ok {
			if got, ok := st[s0.Key()]; !ok || !got.Equal(s0) {
				t.Errorf("%s changed but was not in the plan", s0.Key())
			}
		}
	}
	for k, c := range inPlan {
		got, ok := st[k]
		old := c.Old != nil && ok && got.Equal(*c.Old) || c.Old == nil && !ok
		nw := c.New != nil && ok && got.Equal(*c.New) || c.New == nil && !ok
		if !old && !nw {
			t.Errorf("%s is neither old nor new: %+v", k, got)
		}
	}
	if _, ok := stampOf(f); ok {
		t.Error("stamp written after a failure")
	}
	res = s.Sync(context.Background(), targets(f), desired, Options{Force: true})
	if err := errOf(res); err != nil || !converged(t, f, desired) {
		t.Fatalf("second sync: %v", err)
	}
}

func TestPartialTransientRecoversInOneSync(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	desired := randomZone(r, 100)
	f := newFake(nil)
	f.halfApply, f.halfTransient = 1, true
	res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(f), desired, Options{})
	if err := errOf(res); err != nil || !converged(t, f, desired) {
		t.Fatalf("err %v", err)
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(f *fake)
	}{
		{"in a provider call", func(f *fake) { f.delay = time.Hour }},
		{"in a retry wait", func(f *fake) { f.transientReads = 100 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(nil)
			tc.set(f)
			f.started = make(chan struct{})
			started := f.started
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan []Result)
			go func() {
				done <- (&Syncer{Retry: RetryPolicy{Attempts: 100, Base: time.Hour, Max: time.Hour}}).
					Sync(ctx, targets(f), []zone.RRset{soaSet()}, Options{})
			}()
			<-started
			cancel()
			select {
			case res := <-done:
				if !errors.Is(res[0].Err, context.Canceled) {
					t.Errorf("err = %v", res[0].Err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Sync did not return after cancel")
			}
		})
	}
}
