package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
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

// history opens, once, the shared history that the controllers of this config use: the
// state directory, or with a `fleet:` section the fleet's etcd (closed when c ends). Commands
// record into it and nowhere else, so that one fact lives in one place.
func (l *loaded) history(c *cli.Context) (state.History, error) {
	if l.hist != nil {
		return l.hist, nil
	}
	if l.cfg.Fleet != nil {
		h, err := fleetHistory(c.Context, l.cfg.Fleet)
		if err != nil {
			return nil, err
		}
		l.hist = h
		return h, nil
	}
	st, err := l.store()
	if err != nil {
		return nil, err
	}
	l.hist = st
	return st, nil
}

// syncLock is what `twinzone sync` holds while it writes: the state directory's one lock, or
// in fleet mode the etcd lock of every selected zone (the locks a fleet leader takes for its
// periodic sync and its delegation changes).
type syncLock struct {
	all    state.Lease            // the state directory's (every zone)
	byZone map[string]state.Lease // fleet mode, by absolute zone name
}

// lease is the lease under which zone's sync is recorded.
func (s *syncLock) lease(zone string) state.Lease {
	if s == nil {
		return nil
	}
	if s.all != nil {
		return s.all
	}
	return s.byZone[zone]
}

// Unlock releases every lease held.
func (s *syncLock) Unlock() error {
	var errs []error
	if s.all != nil {
		errs = append(errs, s.all.Unlock())
	}
	for _, le := range s.byZone {
		errs = append(errs, le.Unlock())
	}
	return errors.Join(errs...)
}

// lock takes the lease of the shared history, so that two controllers, or a controller and a
// sync, never act at once.
func (l *loaded) lock(c *cli.Context) (*syncLock, error) {
	if l.cfg.Fleet != nil {
		return l.lockFleet(c)
	}
	st, err := l.store()
	if err != nil {
		return nil, err
	}
	lease, err := st.TryAcquire("")
	if errors.Is(err, state.ErrLocked) {
		// Say whom we wait for: a stuck holder is then found at once.
		l.log.Info("waiting for the state lock", "holder", st.Holder(), "dir", l.cfg.StateDir, "max_wait", lockWait.String())
		ctx, cancel := context.WithTimeout(c.Context, lockWait)
		defer cancel()
		lease, err = st.Acquire(ctx, "")
	}
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("%w: another twinzone is syncing or failing over; wait, or stop it", err)
	}
	if err != nil { // not contention: the real cause (permission denied, read-only, ...)
		return nil, fmt.Errorf("state directory %s: %w", l.cfg.StateDir, err)
	}
	return &syncLock{all: lease}, nil
}

// lockFleet takes the etcd zone lock of every selected zone, in name order (a member takes
// one at a time, so this order cannot deadlock), each within lockWait.
func (l *loaded) lockFleet(c *cli.Context) (*syncLock, error) {
	h, err := l.history(c)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, zd := range l.zones {
		names = append(names, zd.cfg.Name)
	}
	slices.Sort(names)
	if fs, ok := h.(*fleet.Store); ok {
		// The session (an etcd lease grant) first, on its own deadline: the short first try
		// below is for finding the lock held, not for a slow etcd.
		sctx, cancel := context.WithTimeout(c.Context, 15*time.Second)
		_, err := fs.Session(sctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("fleet etcd: %w", err)
		}
	}
	sl := &syncLock{byZone: map[string]state.Lease{}}
	for _, z := range slices.Compact(names) {
		ctx, cancel := context.WithTimeout(c.Context, time.Second)
		lease, err := h.Acquire(ctx, z)
		cancel()
		if errors.Is(err, state.ErrLocked) {
			l.log.Info("waiting for the fleet's zone lock in etcd (the leader is syncing or changing the delegation)", "zone", z, "max_wait", lockWait.String())
			ctx, cancel := context.WithTimeout(c.Context, lockWait)
			lease, err = h.Acquire(ctx, z)
			cancel()
		}
		if err != nil {
			_ = sl.Unlock()
			if errors.Is(err, state.ErrLocked) {
				return nil, fmt.Errorf("%w: the fleet's leader (or another twinzone) is syncing or failing over %s; wait, or stop it", err, z)
			}
			return nil, fmt.Errorf("fleet etcd: %w", err)
		}
		sl.byZone[z] = lease
	}
	return sl, nil
}
