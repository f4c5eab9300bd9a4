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

// recordSync journals a sync and remembers its outcome in the state file. An error means the
// sync is not recorded: `status` and the controller would not know of it, so callers report it
// (exit status 1), never only log it.
func (l *loaded) recordSync(ctx context.Context, zd zoneData, results []tzsync.Result) error {
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
	st, err := l.store()
	if err != nil {
		return notRecorded(zd, l.cfg.StateDir, err)
	}
	jerr := st.Append(ctx, state.Event{Zone: zd.cfg.Name, Kind: state.KindSync, Message: "sync " + zd.hash[:12], Evidence: ev})
	serr := st.Update(func(s *state.State) error {
		s.Zone(zd.cfg.Name).LastSync = &state.Sync{Time: time.Now().UTC(), Hash: zd.hash, Providers: ok}
		return nil
	})
	if err := errors.Join(jerr, serr); err != nil {
		return notRecorded(zd, l.cfg.StateDir, err)
	}
	return nil
}

func notRecorded(zd zoneData, dir string, err error) error {
	return fmt.Errorf("%s: the sync ran but its result could not be recorded in the state directory %s: %w (`twinzone status` and the controller do not see it; fix the directory)", zd.cfg.Name, dir, err)
}
