// Package historytest is the conformance suite of state.History: every implementation (the
// state directory, pkg/fleet on etcd) runs it, so that a controller behaves the same on both.
package historytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
)

// Open returns a fresh, empty History and a second handle on the same shared record (another
// process's view: for the state directory, a second Store on the same directory).
type Open func(t *testing.T) (a, b state.History)

const zone = "example.test."

// Run runs every contract check of state.History against open.
func Run(t *testing.T, open Open) {
	t.Run("LockIsExclusive", func(t *testing.T) { lockIsExclusive(t, open) })
	t.Run("ChangeRoundTrip", func(t *testing.T) { changeRoundTrip(t, open) })
	t.Run("FencedAfterUnlock", func(t *testing.T) { fencedAfterUnlock(t, open) })
	t.Run("SyncObservedJournal", func(t *testing.T) { syncObservedJournal(t, open) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func lockIsExclusive(t *testing.T, open Open) {
	a, b := open(t)
	ctx := ctxT(t)
	la, err := a.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if lb, err := b.Acquire(short, zone); err == nil {
		lb.Unlock()
		t.Fatal("second Acquire while the first is held: want an error")
	} else if !errors.Is(err, state.ErrLocked) {
		t.Fatalf("second Acquire: %v, want ErrLocked", err)
	}
	if err := la.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := la.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	lb, err := b.Acquire(ctx, zone)
	if err != nil {
		t.Fatalf("Acquire after Unlock: %v", err)
	}
	lb.Unlock()
}

func changeRoundTrip(t *testing.T, open Open) {
	a, b := open(t)
	ctx := ctxT(t)
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l, err := a.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	c, err := a.BeginChange(ctx, l, state.Change{Zone: zone, Kind: state.ChangeFailover, Auto: true,
		Providers: []string{"sec"}, Nameservers: []string{"NS1.Sec.Test"}, Started: t0, Deadline: t0.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" {
		t.Fatal("BeginChange returned no ID")
	}
	h, err := b.ZoneHistory(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	last, ok := h.Last()
	if !ok || last.ID != c.ID || !last.Abandoned() || last.Nameservers[0] != "ns1.sec.test." {
		t.Fatalf("in-flight change as the other process reads it: %+v", h.Changes)
	}
	if !last.Pending(t0.Add(time.Minute)) || last.Pending(t0.Add(11*time.Minute)) {
		t.Fatal("Pending: want true before the deadline, false after")
	}
	if !last.Counts([]string{"ns1.sec.test."}) || last.Counts([]string{"ns1.pri.test."}) {
		t.Fatal("an abandoned change counts exactly when the parent publishes its set")
	}
	c.Finished, c.Applied, c.Confirmed = t0.Add(time.Minute), true, true
	if err := a.EndChange(ctx, l, c); err != nil {
		t.Fatal(err)
	}
	h, _ = b.ZoneHistory(ctx, zone)
	if len(h.Changes) != 1 || !h.Changes[0].Applied || h.Changes[0].Abandoned() || h.AutoFailoversOn(t0, nil) != 1 {
		t.Fatalf("after EndChange: %+v", h.Changes)
	}
	if n := h.AutoFailoversOn(t0.Add(24*time.Hour), nil); n != 0 {
		t.Fatalf("next UTC day: %d automatic failovers, want 0", n)
	}
	other, _ := b.ZoneHistory(ctx, "other.test.")
	if len(other.Changes) != 0 {
		t.Fatalf("another zone sees this zone's changes: %+v", other.Changes)
	}
}

func fencedAfterUnlock(t *testing.T, open Open) {
	a, b := open(t)
	ctx := ctxT(t)
	l, err := a.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	t0 := time.Now()
	if _, err := a.BeginChange(ctx, l, state.Change{Zone: zone, Kind: state.ChangeFailback, Started: t0, Deadline: t0}); !errors.Is(err, state.ErrLeaseLost) {
		t.Fatalf("BeginChange after Unlock: %v, want ErrLeaseLost", err)
	}
	if err := a.RecordSync(ctx, l, zone, state.Sync{Time: t0, Hash: "x"}); !errors.Is(err, state.ErrLeaseLost) {
		t.Fatalf("RecordSync after Unlock: %v, want ErrLeaseLost", err)
	}
	if h, _ := b.ZoneHistory(ctx, zone); len(h.Changes) != 0 || h.LastSync != nil {
		t.Fatalf("a fenced write went through: %+v", h)
	}
}

func syncObservedJournal(t *testing.T, open Open) {
	a, b := open(t)
	ctx := ctxT(t)
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l, err := a.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	g := uint32(2026120201)
	err = a.RecordSync(ctx, l, zone, state.Sync{Time: t0, Hash: "abc", Generation: &g, Providers: map[string]bool{"pri": true}})
	l.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RecordObserved(ctx, zone, state.Observed{At: t0, Delegation: []string{"NS1.pri.test"},
		Verdicts: map[string]state.Verdict{"pri": {Status: "up", Since: t0}}}); err != nil {
		t.Fatal(err)
	}
	h, err := b.ZoneHistory(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	if h.LastSync == nil || h.LastSync.Hash != "abc" || h.LastSync.Generation == nil || *h.LastSync.Generation != g {
		t.Fatalf("last sync: %+v", h.LastSync)
	}
	if len(h.Observed.Delegation) != 1 || h.Observed.Delegation[0] != "ns1.pri.test." || h.Observed.Verdicts["pri"].Status != "up" {
		t.Fatalf("observed: %+v", h.Observed)
	}
	for i, msg := range []string{"one", "two", "three"} {
		if err := a.Append(ctx, state.Event{Time: t0.Add(time.Duration(i) * time.Second), Zone: zone, Kind: state.KindVerdict, Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := b.Journal(ctx, zone, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Message != "two" || evs[1].Message != "three" {
		t.Fatalf("journal: %+v", evs)
	}
}
