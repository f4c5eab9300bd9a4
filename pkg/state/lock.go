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

// held writes our pid and command line into the lock file (for the messages of whoever waits)
// and wraps fl. twinzone's arguments carry no secrets (those come from the environment).
func (s *Store) held(fl *flock.Flock) *Lock {
	cmd := strings.Join(os.Args, " ")
	if len(cmd) > 200 {
		cmd = cmd[:200] + "..."
	}
	_ = os.WriteFile(fl.Path(), []byte(strconv.Itoa(os.Getpid())+"\n"+strings.ToValidUTF8(cmd, "?")+"\n"), 0o600)
	return &Lock{fl: fl}
}

// Holder describes who holds (or last held) the lock, from the lock file: "pid 123 (twinzone
// sync --config x.yaml)", or "" when unknown.
func (s *Store) Holder() string {
	b, err := os.ReadFile(filepath.Join(s.dir, LockFile))
	if err != nil {
		return ""
	}
	pid, cmd, _ := strings.Cut(string(b), "\n")
	pid, cmd = strings.TrimSpace(pid), strings.TrimSpace(cmd)
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	if cmd == "" {
		return "pid " + pid
	}
	return "pid " + pid + " (" + cmd + ")"
}

func (s *Store) lockedErr() error {
	if h := s.Holder(); h != "" {
		return fmt.Errorf("%w (%s)", ErrLocked, h)
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
