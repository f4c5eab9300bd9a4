package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

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

// lock takes the lease of the shared history, so that two controllers, or a controller and a
// sync, never act at once.
func (l *loaded) lock(c *cli.Context) (state.Lease, error) {
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
	return lease, nil
}
