package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ZoneHistory reads the zone's changes, last sync and observation (one linearizable read per
// key range, at the same revision).
func (s *Store) ZoneHistory(ctx context.Context, zone string) (state.ZoneHistory, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	zone = normZone(zone)
	h := state.ZoneHistory{Zone: zone}
	resp, err := s.cli.Get(ctx, s.zoneKey(zone, ""), clientv3.WithPrefix())
	if err != nil {
		return h, fmt.Errorf("fleet: read %s: %w", zone, err)
	}
	changes := s.zoneKey(zone, "changes/")
	for _, kv := range resp.Kvs {
		k := string(kv.Key)
		switch {
		case strings.HasPrefix(k, changes):
			var c state.Change
			if err := json.Unmarshal(kv.Value, &c); err != nil {
				return h, fmt.Errorf("fleet: %s: %w", k, err)
			}
			h.Changes = append(h.Changes, c)
		case k == s.zoneKey(zone, "sync"):
			var sy state.Sync
			if err := json.Unmarshal(kv.Value, &sy); err != nil {
				return h, fmt.Errorf("fleet: %s: %w", k, err)
			}
			h.LastSync = &sy
		case k == s.zoneKey(zone, "observed"):
			if err := json.Unmarshal(kv.Value, &h.Observed); err != nil {
				return h, fmt.Errorf("fleet: %s: %w", k, err)
			}
		}
	}
	// Keys sort by start time already; a stable sort keeps that for equal times.
	slices.SortStableFunc(h.Changes, func(a, b state.Change) int { return a.Started.Compare(b.Started) })
	return h, nil
}

// BeginChange first proves the lease is still held (Lease.Check: an etcd lease renewal and the
// fence), then writes the intent in a fenced transaction, pruning changes older than
// state.KeepChanges (the latest is kept). Call it immediately before the registrar call, and
// bound that call by the Lease's ValidUntil.
func (s *Store) BeginChange(ctx context.Context, l state.Lease, c state.Change) (state.Change, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	fl, err := s.lease(l)
	if err != nil {
		return c, err
	}
	if c.Zone == "" {
		return c, fmt.Errorf("fleet: change without a zone")
	}
	if _, err := fl.Check(ctx); err != nil {
		return c, err
	}
	c.Zone = normZone(c.Zone)
	if c.Holder == "" {
		c.Holder = s.holder
	}
	c.Nameservers = state.NormalizeNames(c.Nameservers)
	c.ID = sortableID(c.Started)
	b, err := json.Marshal(c)
	if err != nil {
		return c, fmt.Errorf("fleet: encode change: %w", err)
	}
	ops := []clientv3.Op{clientv3.OpPut(s.zoneKey(c.Zone, "changes/"+c.ID), string(b))}
	old, err := s.ZoneHistory(ctx, c.Zone)
	if err != nil {
		return c, err
	}
	for _, o := range old.Changes { // all older than c, which becomes the latest
		if c.Started.Sub(o.Started) > state.KeepChanges {
			ops = append(ops, clientv3.OpDelete(s.zoneKey(c.Zone, "changes/"+o.ID)))
		}
	}
	if _, err := fl.fenced(ctx, ops...); err != nil {
		return c, err
	}
	return c, nil
}

// EndChange writes the outcome of the change c.ID, fenced. A change that is not there is an
// error (and writes nothing).
func (s *Store) EndChange(ctx context.Context, l state.Lease, c state.Change) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	fl, err := s.lease(l)
	if err != nil {
		return err
	}
	c.Zone = normZone(c.Zone)
	key := s.zoneKey(c.Zone, "changes/"+c.ID)
	cur, err := s.cli.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	if len(cur.Kvs) == 0 || c.ID == "" {
		return fmt.Errorf("fleet: change %s of %s not found", c.ID, c.Zone)
	}
	var was state.Change
	if err := json.Unmarshal(cur.Kvs[0].Value, &was); err == nil {
		c.Zone = was.Zone
	}
	c.Nameservers = state.NormalizeNames(c.Nameservers)
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("fleet: encode change: %w", err)
	}
	// The fence, plus: the record is the one read (nobody finished it meanwhile).
	fl.vmu.Lock()
	cmps := fl.cmps
	fl.vmu.Unlock()
	if cmps == nil {
		return fmt.Errorf("%w: unlocked", state.ErrLeaseLost)
	}
	resp, err := s.cli.Txn(ctx).If(append(slices.Clone(cmps), clientv3.Compare(clientv3.ModRevision(key), "=", cur.Kvs[0].ModRevision))...).
		Then(clientv3.OpPut(key, string(b))).Commit()
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	if !resp.Succeeded {
		if _, err := fl.fenced(ctx); err != nil {
			return err
		}
		return fmt.Errorf("fleet: change %s of %s was written by another process meanwhile", c.ID, c.Zone)
	}
	return nil
}

// RecordSync writes the zone's last sync (and so the desired generation), fenced.
func (s *Store) RecordSync(ctx context.Context, l state.Lease, zone string, sy state.Sync) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	fl, err := s.lease(l)
	if err != nil {
		return err
	}
	b, err := json.Marshal(sy)
	if err != nil {
		return fmt.Errorf("fleet: encode sync: %w", err)
	}
	_, err = fl.fenced(ctx, clientv3.OpPut(s.zoneKey(zone, "sync"), string(b)))
	return err
}

// RecordObserved writes what was observed of zone when the delegation or a verdict changed.
func (s *Store) RecordObserved(ctx context.Context, zone string, o state.Observed) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	o.Delegation = state.NormalizeNames(o.Delegation)
	key := s.zoneKey(zone, "observed")
	cur, err := s.cli.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	if len(cur.Kvs) > 0 {
		var was state.Observed
		if json.Unmarshal(cur.Kvs[0].Value, &was) == nil && sameObserved(was, o) {
			return nil
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("fleet: encode observation: %w", err)
	}
	if _, err := s.cli.Put(ctx, key, string(b)); err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	return nil
}

func sameObserved(a, b state.Observed) bool {
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

func (s *Store) journalPrefix(zone string) string {
	z := normZone(zone)
	if z == "" {
		z = "-"
	}
	return s.prefix + "journal/" + z + "/"
}

// Append writes one journal event, then trims the zone's journal to JournalKeep events.
func (s *Store) Append(ctx context.Context, ev state.Event) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.Time = ev.Time.UTC()
	ev.Zone = strings.ToLower(ev.Zone)
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("journal: encode %s event: %w", ev.Kind, err)
	}
	p := s.journalPrefix(ev.Zone)
	if _, err := s.cli.Put(ctx, p+sortableID(ev.Time), string(b)); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	cnt, err := s.cli.Get(ctx, p, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || cnt.Count <= JournalKeep+JournalKeep/10 {
		return nil // trimming is housekeeping: the event is written
	}
	old, err := s.cli.Get(ctx, p, clientv3.WithPrefix(), clientv3.WithKeysOnly(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend), clientv3.WithLimit(cnt.Count-JournalKeep))
	if err == nil && len(old.Kvs) > 0 {
		last := string(old.Kvs[len(old.Kvs)-1].Key)
		_, _ = s.cli.Delete(ctx, p, clientv3.WithRange(last+"\x00"))
	}
	return nil
}

// Journal returns the latest limit events of zone ("" for every zone), oldest first.
func (s *Store) Journal(ctx context.Context, zone string, limit int) ([]state.Event, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	p := s.prefix + "journal/"
	if zone != "" {
		p = s.journalPrefix(zone)
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend)}
	if limit > 0 && zone != "" {
		opts = append(opts, clientv3.WithLimit(int64(limit)))
	}
	resp, err := s.cli.Get(ctx, p, opts...)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var evs []state.Event
	for _, kv := range resp.Kvs {
		var ev state.Event
		if json.Unmarshal(kv.Value, &ev) == nil {
			evs = append(evs, ev)
		}
	}
	slices.SortStableFunc(evs, func(a, b state.Event) int { return a.Time.Compare(b.Time) })
	if limit > 0 && len(evs) > limit {
		evs = evs[len(evs)-limit:]
	}
	return evs, nil
}
