package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/state"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
)

// lockWait bounds how long a command waits for another twinzone (a controller's sync, a
// failover) holding the state lock.
const lockWait = 2 * time.Minute

// store opens the state directory once.
func (l *loaded) store() (*state.Store, error) {
	if l.st != nil {
		return l.st, nil
	}
	st, err := state.Open(l.cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("state directory %s: %w", l.cfg.StateDir, err)
	}
	l.st = st
	return st, nil
}

// lock takes the exclusive action lock of the state directory, so that two controllers, or a
// controller and a sync, never act at once.
func (l *loaded) lock(c *cli.Context) (func(), error) {
	st, err := l.store()
	if err != nil {
		return nil, err
	}
	lk, err := st.TryLock()
	if errors.Is(err, state.ErrLocked) {
		// Say whom we wait for: a stuck holder is then found at once.
		l.log.Info("waiting for the state lock", "holder", st.Holder(), "dir", l.cfg.StateDir, "max_wait", lockWait.String())
		ctx, cancel := context.WithTimeout(c.Context, lockWait)
		defer cancel()
		lk, err = st.Lock(ctx)
	}
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("%w: another twinzone is syncing or failing over; wait, or stop it", err)
	}
	if err != nil { // not contention: the real cause (permission denied, read-only, ...)
		return nil, fmt.Errorf("state directory %s: %w", l.cfg.StateDir, err)
	}
	return func() { _ = lk.Unlock() }, nil
}

// journal appends an event; a journal that cannot be written is logged, never fatal.
func (l *loaded) journal(ctx context.Context, ev state.Event) {
	st, err := l.store()
	if err == nil {
		err = st.Append(ctx, ev)
	}
	if err != nil {
		l.log.Warn("journal not written", "kind", ev.Kind, "err", err)
	}
}

// recordSync journals a sync and remembers its outcome in the state file.
func (l *loaded) recordSync(ctx context.Context, zd zoneData, results []tzsync.Result) {
	ok := map[string]bool{}
	type outcome struct {
		Provider string `json:"provider"`
		Applied  int    `json:"applied"`
		Changes  int    `json:"changes"`
		Error    string `json:"error,omitempty"`
	}
	var ev []outcome
	for _, r := range results {
		ok[r.Target] = r.Err == nil
		o := outcome{Provider: r.Target, Applied: r.Applied}
		if r.Plan != nil {
			o.Changes = len(r.Plan.Changes)
		}
		if r.Err != nil {
			o.Error = r.Err.Error()
		}
		ev = append(ev, o)
	}
	l.journal(ctx, state.Event{Zone: zd.cfg.Name, Kind: state.KindSync, Message: "sync " + zd.hash[:12], Evidence: ev})
	st, err := l.store()
	if err == nil {
		err = st.Update(func(s *state.State) error {
			s.Zone(zd.cfg.Name).LastSync = &state.Sync{Time: time.Now().UTC(), Hash: zd.hash, Providers: ok}
			return nil
		})
	}
	if err != nil {
		l.log.Warn("state not updated", "err", err)
	}
}
