// Package fleet is the etcd store of fleet mode: several `twinzone run` members, each a vantage
// point, coordinate through one etcd cluster. It implements state.History (the shared record
// of delegation changes, syncs, observations and the journal) with transactions fenced by etcd
// leases, publishes each member's observations under its lease, elects one leader through
// etcd's concurrency.Election, and aggregates the live observations into the fleet verdict.
//
// Keys, under the configured prefix P (ending in "/"):
//
//	P/members/<id>                  the member's latest Observation, bound to its session lease
//	P/leader/<lease>                election keys (concurrency.Election); the oldest leads
//	P/lock/<zone>/<lease>           zone locks (concurrency.Mutex), held from intent to outcome
//	P/zones/<zone>/changes/<id>     delegation changes (state.Change), intent then outcome
//	P/zones/<zone>/sync             the last sync (with the desired generation)
//	P/zones/<zone>/observed         what the leader last observed (delegation, verdicts)
//	P/journal/<zone>/<time>-<rand>  journal events, the latest JournalKeep per zone kept
//
// Every write that decides (BeginChange, EndChange, RecordSync) is one etcd transaction whose
// comparisons prove that the writer still holds its zone lock and, for a member, the leader
// key: Compare(CreateRevision(key), "=", rev). A key bound to a lease disappears when the lease
// expires, so a writer whose lease ran out (a partition, a pause) writes nothing.
package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// JournalKeep is how many journal events are kept per zone.
const JournalKeep = 1000

// ErrCoordinationLost is returned when the member has no live etcd session (etcd unreachable,
// its majority lost, or the lease expired).
var ErrCoordinationLost = errors.New("fleet: coordination lost (no live etcd session)")

// Options configure a Store.
type Options struct {
	// Prefix of every key; "/twinzone/" when empty. A trailing "/" is added.
	Prefix string
	// TTL of the session lease (observations, zone locks, leadership); 15 s when zero. Whole
	// seconds (etcd leases are in seconds), at least 2.
	TTL time.Duration
	// Holder names this process in change records ("member m1", "host pid 42").
	Holder string
}

// Store is state.History on etcd, plus the fleet's observations. Safe for concurrent use.
type Store struct {
	cli    *clientv3.Client
	prefix string
	ttl    time.Duration
	holder string

	mu      sync.Mutex
	sess    *concurrency.Session
	zoneSem map[string]chan struct{} // one Acquire per zone at a time within this process
	leader  func() (key string, rev int64, ok bool)
	lost    func() error // a member's Coordination (NewMember)
}

var _ state.History = (*Store)(nil)

// New returns a Store on cli. It does not own cli: Close ends the session, not the client.
func New(cli *clientv3.Client, o Options) (*Store, error) {
	p := o.Prefix
	if p == "" {
		p = "/twinzone/"
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	ttl := o.TTL
	if ttl == 0 {
		ttl = 15 * time.Second
	}
	if ttl < 2*time.Second {
		return nil, fmt.Errorf("fleet: session TTL %v is below 2s", ttl)
	}
	return &Store{cli: cli, prefix: p, ttl: ttl.Truncate(time.Second), holder: o.Holder, zoneSem: map[string]chan struct{}{}}, nil
}

// Client is the etcd client the Store uses.
func (s *Store) Client() *clientv3.Client { return s.cli }

// Prefix is the key prefix (ending in "/").
func (s *Store) Prefix() string { return s.prefix }

// TTL is the session lease's TTL.
func (s *Store) TTL() time.Duration { return s.ttl }

// Session returns the live session, creating a new one (a new lease) when there is none or
// the last one ended. Keys bound to an ended session are gone with its lease.
func (s *Store) Session(ctx context.Context) (*concurrency.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil {
		select {
		case <-s.sess.Done():
			s.sess = nil
		default:
			return s.sess, nil
		}
	}
	// Grant under ctx (NewSession's own grant would wait on the client's context, forever
	// while etcd has no majority); the session then keeps that lease alive.
	g, err := s.cli.Grant(ctx, int64(s.ttl/time.Second))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCoordinationLost, err)
	}
	sess, err := concurrency.NewSession(s.cli, concurrency.WithTTL(int(s.ttl/time.Second)), concurrency.WithLease(g.ID))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCoordinationLost, err)
	}
	s.sess = sess
	return sess, nil
}

// live returns the current session without creating one.
func (s *Store) live() *concurrency.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil
	}
	select {
	case <-s.sess.Done():
		return nil
	default:
		return s.sess
	}
}

// Orphan stops renewing the session's lease without revoking it: its keys stay until the TTL
// runs out, as after a crash.
func (s *Store) Orphan() {
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	if sess != nil {
		sess.Orphan()
	}
}

// Close revokes the session's lease (its observations, locks and leadership go at once).
func (s *Store) Close() error {
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	if sess == nil {
		return nil
	}
	return sess.Close()
}

// bound gives an operation a deadline when ctx has none sooner: without
// a majority etcd neither answers nor fails, and a caller without a deadline would wait for
// ever (a controller round must go on probing and reporting).
// The bound is a third of the TTL (at least 1 s), and 500 ms while the member already knows
// coordination is lost (it still tries, to notice etcd's return).
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	b := max(s.ttl/3, time.Second)
	s.mu.Lock()
	lost := s.lost
	s.mu.Unlock()
	if lost != nil && lost() != nil {
		b = 500 * time.Millisecond
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= b {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, b)
}

func (s *Store) zoneKey(zone, rest string) string {
	return s.prefix + "zones/" + normZone(zone) + "/" + rest
}

func normZone(z string) string {
	z = strings.ToLower(strings.TrimSpace(z))
	if z != "" && !strings.HasSuffix(z, ".") {
		z += "."
	}
	return z
}

// sortableID is a key suffix that sorts by t and never collides.
func sortableID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%020d-%s", t.UnixNano(), hex.EncodeToString(b[:]))
}
