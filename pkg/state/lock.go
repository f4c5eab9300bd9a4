package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked is returned by TryLock when another process (or another Lock in this process)
// holds the action lock.
var ErrLocked = errors.New("state: another twinzone process holds the lock")

// lockPoll is how often Lock retries.
const lockPoll = 50 * time.Millisecond

// Lock is the exclusive action lock of a state directory (flock on twinzone.lock). The OS
// releases it when the holding process dies, whatever the way.
type Lock struct {
	fl *flock.Flock
}

// TryLock takes the action lock without waiting; it returns an error wrapping ErrLocked (with
// the holder's pid when known) if the lock is held.
func (s *Store) TryLock() (*Lock, error) {
	fl := flock.New(filepath.Join(s.dir, LockFile), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	if !ok {
		return nil, s.lockedErr()
	}
	return s.held(fl), nil
}

// Lock waits for the action lock until ctx ends.
func (s *Store) Lock(ctx context.Context) (*Lock, error) {
	fl := flock.New(filepath.Join(s.dir, LockFile), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockPoll)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %w", s.lockedErr(), ctx.Err())
		}
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	if !ok {
		return nil, s.lockedErr()
	}
	return s.held(fl), nil
}

// held writes our pid into the lock file (for error messages) and wraps fl.
func (s *Store) held(fl *flock.Flock) *Lock {
	_ = os.WriteFile(fl.Path(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return &Lock{fl: fl}
}

func (s *Store) lockedErr() error {
	b, err := os.ReadFile(filepath.Join(s.dir, LockFile))
	if pid := strings.TrimSpace(string(b)); err == nil && pid != "" {
		if _, err := strconv.Atoi(pid); err == nil {
			return fmt.Errorf("%w (pid %s)", ErrLocked, pid)
		}
	}
	return ErrLocked
}

// Unlock releases the lock. It is safe to call more than once.
func (l *Lock) Unlock() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := l.fl.Unlock()
	l.fl.Close()
	l.fl = nil
	if err != nil {
		return fmt.Errorf("state: unlock: %w", err)
	}
	return nil
}
