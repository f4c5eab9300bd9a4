package sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	stdsync "sync"
	"time"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// fake is an in-memory provider with fault injection. Each change it applies is atomic; a
// CNAME beside other data is refused, as real servers do.
type fake struct {
	mu      stdsync.Mutex
	sets    map[zone.Key]zone.RRset
	traits  *plan.Traits
	unmgd   []provider.UnmanagedRRset
	applies int // Apply calls so far
	reads   int // Records calls so far
	written []plan.Change
	calls   [][]plan.Change // changes given to each Apply call that reached the store

	// knobs
	failApply      int           // the failApply-th Apply call (1-based) fails, applying nothing
	failTransient  bool          // ... and its error is transient
	transientApply int           // the next transientApply Apply calls fail transiently, applying nothing
	transientReads int           // the next transientReads Records calls fail transiently
	halfApply      int           // the halfApply-th Apply call applies half of its changes, then fails
	halfTransient  bool          // ... transiently
	failReads      error         // every Records call fails with this
	delay          time.Duration // each call waits this long (honouring ctx)
	started        chan struct{} // closed by the first call, when set
	faultRate      float64       // random faults: probability per Apply call of a (transient) half apply
	rand           func() float64
	rewrite        func(zone.RRset) zone.RRset // what the provider stores instead of what it is given
	onRecords      func()                      // called at the start of each Records call
}

func newFake(sets []zone.RRset) *fake {
	f := &fake{sets: map[zone.Key]zone.RRset{}}
	for _, s := range sets {
		f.sets[s.Key()] = cloneSet(s)
	}
	return f
}

func cloneSet(s zone.RRset) zone.RRset {
	s.Values = slices.Clone(s.Values)
	return s
}

var (
	_ provider.Provider  = (*fake)(nil)
	_ provider.Describer = (*fake)(nil)
	_ provider.Unmanaged = (*fake)(nil)
)

func (f *fake) wait(ctx context.Context) error {
	f.mu.Lock()
	if f.started != nil {
		close(f.started)
		f.started = nil
	}
	f.mu.Unlock()
	if f.delay == 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(f.delay):
		return nil
	}
}

func (f *fake) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	if f.onRecords != nil {
		f.onRecords()
	}
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.failReads != nil {
		return nil, f.failReads
	}
	if f.transientReads > 0 {
		f.transientReads--
		return nil, provider.MarkTransient(errors.New("503 from fake"))
	}
	return f.snapshotLocked(), nil
}

func (f *fake) snapshot() []zone.RRset {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snapshotLocked()
}

func (f *fake) snapshotLocked() []zone.RRset {
	out := make([]zone.RRset, 0, len(f.sets))
	for _, k := range slices.SortedFunc(maps.Keys(f.sets), zone.Key.Compare) {
		out = append(out, cloneSet(f.sets[k]))
	}
	return out
}

func (f *fake) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applies++
	switch {
	case f.transientApply > 0:
		f.transientApply--
		return provider.MarkTransient(errors.New("429 from fake"))
	case f.applies == f.failApply:
		err := fmt.Errorf("fake refuses apply #%d", f.applies)
		if f.failTransient {
			return provider.MarkTransient(err)
		}
		return err
	}
	f.calls = append(f.calls, slices.Clone(changes))
	n := len(changes)
	half := f.applies == f.halfApply
	if f.faultRate > 0 && f.rand() < f.faultRate {
		half = true
	}
	if half {
		n = len(changes) / 2
	}
	for _, c := range changes[:n] {
		if err := f.applyOne(c); err != nil {
			return err
		}
	}
	if half {
		// As the contract asks: the changes that took effect are told.
		err := provider.Partial(slices.Clone(changes[:n]), fmt.Errorf("fake dropped the connection after %d of %d changes", n, len(changes)))
		if f.halfTransient || f.faultRate > 0 {
			return provider.MarkTransient(err)
		}
		return err
	}
	return nil
}

func (f *fake) applyOne(c plan.Change) error {
	k := c.Key()
	if c.Action != plan.Delete {
		for ok := range f.sets {
			if ok.Name == k.Name && ok.Type != k.Type && (ok.Type == dns.TypeCNAME || k.Type == dns.TypeCNAME) {
				return fmt.Errorf("fake: %s would coexist with %s", k, ok)
			}
		}
	}
	f.written = append(f.written, c)
	if c.Action == plan.Delete {
		delete(f.sets, k)
		return nil
	}
	s := cloneSet(*c.New)
	if f.rewrite != nil {
		s = f.rewrite(s)
	}
	f.sets[k] = s
	return nil
}

func (f *fake) Traits() plan.Traits {
	if f.traits == nil {
		return plan.Traits{}
	}
	return *f.traits
}

func (f *fake) Unmanaged(ctx context.Context, origin string) ([]provider.UnmanagedRRset, error) {
	return f.unmgd, nil
}

func (f *fake) state() map[zone.Key]zone.RRset {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.sets)
}

func (f *fake) counts() (reads, applies int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads, f.applies
}
