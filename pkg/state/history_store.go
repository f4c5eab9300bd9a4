package state

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The state directory implements History for the processes of one machine.
var _ History = (*Store)(nil)

// storeLease is the Lease of a Store: the directory's action lock.
type storeLease struct{ lk *Lock }

func (l *storeLease) Unlock() error { return l.lk.Unlock() }

func (l *storeLease) held() bool { return l != nil && l.lk != nil && l.lk.fl != nil }

// Acquire takes the state directory's action lock (one lock for all its zones), waiting until
// ctx ends.
func (s *Store) Acquire(ctx context.Context, zone string) (Lease, error) {
	lk, err := s.Lock(ctx)
	if err != nil {
		return nil, err
	}
	return &storeLease{lk: lk}, nil
}

// TryAcquire is Acquire without waiting (an error wrapping ErrLocked when held).
func (s *Store) TryAcquire(zone string) (Lease, error) {
	lk, err := s.TryLock()
	if err != nil {
		return nil, err
	}
	return &storeLease{lk: lk}, nil
}

// fenced checks that l is a Lease of this kind that is still held. A flock is never lost while
// its process lives, so Unlock is the only way to lose it.
func fenced(l Lease) error {
	sl, ok := l.(*storeLease)
	if !ok || !sl.held() {
		return ErrLeaseLost
	}
	return nil
}

// ZoneHistory reads the zone's record from state.json.
func (s *Store) ZoneHistory(ctx context.Context, zone string) (ZoneHistory, error) {
	zone = strings.ToLower(zone)
	h := ZoneHistory{Zone: zone}
	if err := ctx.Err(); err != nil {
		return h, err
	}
	st, err := s.Load()
	if err != nil {
		return h, err
	}
	if zs := st.Zones[zone]; zs != nil {
		h.Changes = slices.Clone(zs.Changes)
		h.LastSync = zs.LastSync
		h.Observed = zs.Observed
	}
	return h, nil
}

// BeginChange appends c as in flight, with a new ID.
func (s *Store) BeginChange(ctx context.Context, l Lease, c Change) (Change, error) {
	if err := fenced(l); err != nil {
		return c, err
	}
	if err := ctx.Err(); err != nil {
		return c, err
	}
	if c.Holder == "" {
		c.Holder = holder()
	}
	if c.Zone == "" {
		return c, fmt.Errorf("state: change without a zone")
	}
	c.Zone = strings.ToLower(c.Zone)
	c.Nameservers = NormalizeNames(c.Nameservers)
	err := s.Update(func(st *State) error {
		zs := st.Zone(c.Zone)
		c.ID = strconv.FormatInt(c.Started.UnixNano(), 36) + "-" + strconv.Itoa(len(zs.Changes))
		zs.Changes = prune(append(zs.Changes, c), c.Started)
		return nil
	})
	return c, err
}

// EndChange replaces the change with c's ID by c.
func (s *Store) EndChange(ctx context.Context, l Lease, c Change) error {
	if err := fenced(l); err != nil {
		return err
	}
	return s.Update(func(st *State) error {
		if zs := st.Zones[strings.ToLower(c.Zone)]; zs != nil {
			for i := range zs.Changes {
				if zs.Changes[i].ID == c.ID {
					c.Zone, c.Nameservers = zs.Changes[i].Zone, NormalizeNames(c.Nameservers)
					zs.Changes[i] = c
					return nil
				}
			}
		}
		return fmt.Errorf("state: change %s of %s not found", c.ID, c.Zone)
	})
}

// RecordSync sets the zone's last sync.
func (s *Store) RecordSync(ctx context.Context, l Lease, zone string, sy Sync) error {
	if err := fenced(l); err != nil {
		return err
	}
	return s.Update(func(st *State) error {
		st.Zone(zone).LastSync = &sy
		return nil
	})
}

// RecordObserved sets what was last observed of zone. It writes only when the delegation or a
// verdict changed (not every probe round).
func (s *Store) RecordObserved(ctx context.Context, zone string, o Observed) error {
	o.Delegation = NormalizeNames(o.Delegation)
	st, err := s.Load()
	if err == nil {
		if zs := st.Zones[strings.ToLower(zone)]; zs != nil && sameObserved(zs.Observed, o) {
			return nil
		}
	}
	return s.Update(func(st *State) error {
		st.Zone(zone).Observed = o
		return nil
	})
}

// Journal returns the journal's latest events (see Events).
func (s *Store) Journal(ctx context.Context, zone string, limit int) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Events(zone, limit)
}

func sameObserved(a, b Observed) bool {
	if !slices.Equal(a.Delegation, b.Delegation) || len(a.Verdicts) != len(b.Verdicts) {
		return false
	}
	for k, v := range a.Verdicts {
		w, ok := b.Verdicts[k]
		if !ok || v.Status != w.Status || !v.Since.Equal(w.Since) {
			return false
		}
	}
	return true
}

// prune drops changes older than KeepChanges before now, keeping the latest one.
func prune(cs []Change, now time.Time) []Change {
	for len(cs) > 1 && now.Sub(cs[0].Started) > KeepChanges {
		cs = cs[1:]
	}
	return cs
}

func holder() string {
	h, _ := os.Hostname()
	return h + " pid " + strconv.Itoa(os.Getpid())
}
