package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Member is one fleet member's runtime: it keeps an etcd session alive (a new one after a
// loss), campaigns for leadership on it, and publishes the member's observations under its
// lease. Once NewMember is called, the Store's Acquire requires leadership, and every fenced
// write compares the leader key too.
type Member struct {
	ID string
	s  *Store

	mu      sync.Mutex
	lkey    string // leader key while leading
	lrev    int64
	lostErr error // why coordination is lost (nil: a live session)
	changed chan struct{}
}

// NewMember makes s a member's store: Acquire then waits for leadership.
func NewMember(s *Store, id string) *Member {
	m := &Member{ID: id, s: s, lostErr: ErrCoordinationLost, changed: make(chan struct{})}
	s.mu.Lock()
	s.leader = m.leaderKey
	s.lost = m.Coordination
	s.mu.Unlock()
	return m
}

func (m *Member) leaderKey() (string, int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lkey, m.lrev, m.lkey != ""
}

// Leading reports whether this member holds the leader key, as far as its session knows. It
// is advisory (for status and for skipping work); the safety is in the fenced writes and in
// Lease.Check before a registrar call.
func (m *Member) Leading() bool { _, _, ok := m.leaderKey(); return ok }

// Coordination returns nil while the member has a live etcd session, else why not (wrapping
// ErrCoordinationLost).
func (m *Member) Coordination() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lostErr
}

// Changed returns a channel closed at the next change of leadership or coordination.
func (m *Member) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

func (m *Member) set(key string, rev int64, lost error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	same := m.lkey == key && m.lrev == rev && (lost == nil) == (m.lostErr == nil)
	m.lkey, m.lrev, m.lostErr = key, rev, lost
	if same {
		return
	}
	close(m.changed)
	m.changed = make(chan struct{})
}

// Run keeps the session and the campaign going until ctx ends. It does not resign: call
// Store.Close afterwards, which revokes the lease and with it the leader key. After a lost session it waits retry (1 s when zero) and starts a
// new one: the old lease's keys (leadership, observations, locks) are gone with it.
func (m *Member) Run(ctx context.Context, retry time.Duration) {
	if retry <= 0 {
		retry = time.Second
	}
	for ctx.Err() == nil {
		sctx, cancel := context.WithTimeout(ctx, m.s.ttl)
		sess, err := m.s.Session(sctx)
		cancel()
		if err != nil {
			m.set("", 0, err)
			select {
			case <-ctx.Done():
			case <-time.After(retry):
			}
			continue
		}
		m.set("", 0, nil)
		m.campaign(ctx, sess, retry)
		if ctx.Err() == nil {
			m.set("", 0, fmt.Errorf("%w: the etcd session ended (lease expired or etcd unreachable)", ErrCoordinationLost))
		}
	}
	m.set("", 0, fmt.Errorf("%w: stopped", ErrCoordinationLost))
}

// campaign campaigns on sess until it leads, then holds leadership until sess or ctx ends.
func (m *Member) campaign(ctx context.Context, sess *concurrency.Session, retry time.Duration) {
	// WithRequireLeader: a watch on an etcd member cut off from its cluster would otherwise
	// wait forever, silently, for the deletion that makes this member leader.
	cctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	go func() {
		select {
		case <-sess.Done():
			cancel()
		case <-cctx.Done():
		}
	}()
	e := concurrency.NewElection(sess, m.s.prefix+"leader/")
	for cctx.Err() == nil {
		err := e.Campaign(cctx, m.ID)
		if err == nil && m.ownsKey(cctx, e.Key(), e.Rev()) {
			m.set(e.Key(), e.Rev(), nil)
			<-cctx.Done()
			m.set("", 0, nil)
			return // the key goes with the lease: Store.Close revokes it, a crash lets it expire
		}
		select {
		case <-cctx.Done():
		case <-time.After(retry):
		}
	}
}

// ownsKey checks that the election key still exists with our revision: Campaign returns once
// older keys are gone, even if ours went with an expired lease meanwhile.
func (m *Member) ownsKey(ctx context.Context, key string, rev int64) bool {
	resp, err := m.s.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", rev)).Commit()
	return err == nil && resp.Succeeded
}

// Publish writes the member's observation under its session lease (it disappears with the
// member). Without a live session it returns ErrCoordinationLost and writes nothing.
func (m *Member) Publish(ctx context.Context, o Observation) error {
	sess := m.s.live()
	if sess == nil {
		return ErrCoordinationLost
	}
	o.Member = m.ID
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("fleet: encode observation: %w", err)
	}
	if _, err := m.s.cli.Put(ctx, m.s.prefix+"members/"+m.ID, string(b), clientv3.WithLease(sess.Lease())); err != nil {
		return fmt.Errorf("%w: publish: %v", ErrCoordinationLost, err)
	}
	return nil
}

// Observations returns every member's published observation (live leases only), by member ID.
func (s *Store) Observations(ctx context.Context) ([]Observation, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.prefix+"members/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if err != nil {
		return nil, fmt.Errorf("%w: read observations: %v", ErrCoordinationLost, err)
	}
	var out []Observation
	for _, kv := range resp.Kvs {
		var o Observation
		if json.Unmarshal(kv.Value, &o) == nil {
			out = append(out, o)
		}
	}
	return out, nil
}

// Leader returns the ID of the member that leads now ("" when nobody does).
func (s *Store) Leader(ctx context.Context) (string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.prefix+"leader/", clientv3.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("%w: read leader: %v", ErrCoordinationLost, err)
	}
	if len(resp.Kvs) == 0 {
		return "", nil
	}
	return string(resp.Kvs[0].Value), nil
}
