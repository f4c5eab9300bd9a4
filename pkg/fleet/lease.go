package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Lease is the state.Lease of a Store: a zone lock (concurrency.Mutex) on the Store's session
// and, for a fleet member, the leader key it held when it acquired the lock.
type Lease struct {
	s    *Store
	zone string
	sess *concurrency.Session
	mu   *concurrency.Mutex
	cmps []clientv3.Cmp

	once     sync.Once
	release  func()
	vmu      sync.Mutex
	validTil time.Time
}

var _ state.Lease = (*Lease)(nil)

// Acquire takes the zone's lock in etcd, waiting until ctx ends (then the error wraps
// state.ErrLocked). On a member's Store (see Member) it also requires leadership: a member
// that does not lead waits, like for a held lock, and the Lease's writes are fenced by both
// keys. Without a live etcd session the error wraps ErrCoordinationLost.
func (s *Store) Acquire(ctx context.Context, zone string) (state.Lease, error) {
	zone = normZone(zone)
	s.mu.Lock()
	sem := s.zoneSem[zone]
	if sem == nil {
		sem = make(chan struct{}, 1)
		s.zoneSem[zone] = sem
	}
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w (in this process): %v", state.ErrLocked, ctx.Err())
	}
	release := func() { <-sem }
	l, err := s.acquire(ctx, zone)
	if err != nil {
		release()
		return nil, err
	}
	l.release = release
	return l, nil
}

func (s *Store) acquire(ctx context.Context, zone string) (*Lease, error) {
	var cmps []clientv3.Cmp
	if s.leader != nil {
		key, rev, err := s.waitLeader(ctx)
		if err != nil {
			return nil, err
		}
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(key), "=", rev))
	}
	sess, err := s.Session(ctx)
	if err != nil {
		return nil, err
	}
	m := concurrency.NewMutex(sess, s.prefix+"lock/"+zone+"/")
	if err := m.Lock(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: zone %s is locked in etcd by another process: %v", state.ErrLocked, zone, err)
		}
		return nil, fmt.Errorf("%w: lock %s: %v", ErrCoordinationLost, zone, err)
	}
	cmps = append(cmps, m.IsOwner())
	return &Lease{s: s, zone: zone, sess: sess, mu: m, cmps: cmps}, nil
}

// waitLeader polls until this member leads (or ctx ends: ErrLocked).
func (s *Store) waitLeader(ctx context.Context) (string, int64, error) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if key, rev, ok := s.leader(); ok {
			return key, rev, nil
		}
		select {
		case <-ctx.Done():
			return "", 0, fmt.Errorf("%w: this member is not the fleet leader", state.ErrLocked)
		case <-t.C:
		}
	}
}

// Unlock releases the zone lock. Safe to call more than once; if etcd cannot be reached, the
// lock goes with the session's lease at its TTL.
func (l *Lease) Unlock() error {
	var err error
	l.once.Do(func() {
		l.vmu.Lock()
		l.cmps = nil
		l.vmu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if e := l.mu.Unlock(ctx); e != nil {
			err = fmt.Errorf("fleet: unlock %s: %v", l.zone, e)
		}
		l.release()
	})
	return err
}

// ValidUntil is the time until which the lease is certainly still held, as of its last
// Check (zero before the first). Registrar calls are bounded by it.
func (l *Lease) ValidUntil() time.Time {
	l.vmu.Lock()
	defer l.vmu.Unlock()
	return l.validTil
}

// Check proves, now, that the lease is still held: it renews the session's etcd lease once
// (sent at t0; etcd then keeps it at least until t0 + TTL, the earliest any other process
// could take the lock or leadership over) and runs a read-only transaction whose comparisons
// are the lease's fence. It returns the deadline before which an action must be done:
// t0 + TTL minus a safety margin for clock rate differences. An error wraps state.ErrLeaseLost.
func (l *Lease) Check(ctx context.Context) (time.Time, error) {
	t0 := time.Now()
	if _, err := l.s.cli.KeepAliveOnce(ctx, l.sess.Lease()); err != nil {
		return time.Time{}, fmt.Errorf("%w: renew the etcd lease: %v", state.ErrLeaseLost, err)
	}
	if _, err := l.fenced(ctx); err != nil {
		if errors.Is(err, state.ErrLeaseLost) {
			return time.Time{}, err
		}
		// Not proven held (etcd unreachable, no majority): for acting, that is lost.
		return time.Time{}, fmt.Errorf("%w: %v", state.ErrLeaseLost, err)
	}
	until := t0.Add(l.s.ttl - margin(l.s.ttl))
	l.vmu.Lock()
	l.validTil = until
	l.vmu.Unlock()
	return until, nil
}

// margin is what Check keeps off the lease's TTL: 10%, at least one second.
func margin(ttl time.Duration) time.Duration {
	return max(time.Second, ttl/10)
}

// fenced runs ops in one transaction guarded by the lease's comparisons; ErrLeaseLost when
// they fail.
func (l *Lease) fenced(ctx context.Context, ops ...clientv3.Op) (*clientv3.TxnResponse, error) {
	if l == nil {
		return nil, state.ErrLeaseLost
	}
	l.vmu.Lock()
	cmps := l.cmps
	l.vmu.Unlock()
	if cmps == nil {
		return nil, fmt.Errorf("%w: unlocked", state.ErrLeaseLost)
	}
	resp, err := l.s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if !resp.Succeeded {
		return nil, fmt.Errorf("%w: the zone lock or the leadership of %s has passed on", state.ErrLeaseLost, l.zone)
	}
	return resp, nil
}

// lease converts a state.Lease handed back by a caller.
func (s *Store) lease(l state.Lease) (*Lease, error) {
	fl, ok := l.(*Lease)
	if !ok || fl == nil || fl.s != s {
		return nil, fmt.Errorf("%w: not a lease of this store", state.ErrLeaseLost)
	}
	return fl, nil
}
