package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	"github.com/twinzone/twinzone/pkg/testutil/netns"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const zone = "example.test."

type member struct {
	*fleet.Member
	store  *fleet.Store
	cancel context.CancelFunc
	done   chan struct{}
}

// startMember runs a fleet member with its own client and session (TTL 3 s).
func startMember(t *testing.T, cfg clientv3.Config, prefix, id string) *member {
	t.Helper()
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fleet.New(cli, fleet.Options{Prefix: prefix, TTL: 3 * time.Second, Holder: "member " + id})
	if err != nil {
		t.Fatal(err)
	}
	m := &member{Member: fleet.NewMember(s, id), store: s, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() { defer close(m.done); m.Run(ctx, 200*time.Millisecond) }()
	t.Cleanup(func() { m.stop(); _ = cli.Close() })
	return m
}

// crash stops the member as a SIGKILL would: no resign, no revoke; its lease runs out.
func (m *member) crash() {
	m.cancel()
	<-m.done
	m.store.Orphan()
}

// stop ends the member cleanly (resign, revoke).
func (m *member) stop() {
	m.cancel()
	<-m.done
	_ = m.store.Close()
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if err := netns.WaitFor(timeout, func() error {
		if cond() {
			return nil
		}
		return errors.New("not yet")
	}); err != nil {
		t.Fatalf("%s: not within %v", what, timeout)
	}
}

func leaders(ms []*member) []*member {
	var out []*member
	for _, m := range ms {
		if m.Leading() {
			out = append(out, m)
		}
	}
	return out
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// One leader among three; only it can take the zone lock; its lease is fenced once it steps
// down; a new leader finishes the change it left in flight, so the record shows it once.
func TestElectionFencingTakeover(t *testing.T) {
	c := etcdserver.Start(t)
	cfg := c.ClientConfig(nil)
	p := "/elect/"
	ms := []*member{startMember(t, cfg, p, "a"), startMember(t, cfg, p, "b"), startMember(t, cfg, p, "c")}
	waitFor(t, "one leader", 20*time.Second, func() bool { return len(leaders(ms)) == 1 })
	ctx := ctxT(t, 3*time.Minute)
	lead := leaders(ms)[0]
	if id, err := lead.store.Leader(ctx); err != nil || id != lead.ID {
		t.Fatalf("Leader() = %q, %v; want %q", id, err, lead.ID)
	}
	var follower *member
	for _, m := range ms {
		if m != lead {
			follower = m
			break
		}
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err := follower.store.Acquire(short, zone)
	cancel()
	if !errors.Is(err, state.ErrLocked) {
		t.Fatalf("a follower's Acquire: %v, want ErrLocked", err)
	}

	l, err := lead.store.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ch, err := lead.store.BeginChange(ctx, l, state.Change{Zone: zone, Kind: state.ChangeFailover, Auto: true,
		Providers: []string{"sec"}, Nameservers: []string{"ns1.sec.test."}, Started: now, Deadline: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if until := l.(*fleet.Lease).ValidUntil(); until.Before(now.Add(time.Second)) || until.After(now.Add(3*time.Second)) {
		t.Fatalf("ValidUntil %v: want within the 3 s TTL from now, minus the margin", until.Sub(now))
	}

	// The leader "dies" right after its registrar call: it stops renewing (no resign, no
	// revoke); its keys go when the lease expires.
	lead.crash()
	var rest []*member
	for _, m := range ms {
		if m != lead {
			rest = append(rest, m)
		}
	}
	waitFor(t, "a new leader", 20*time.Second, func() bool { return len(leaders(rest)) == 1 })
	if err := lead.store.EndChange(ctx, l, ch); !errors.Is(err, state.ErrLeaseLost) {
		t.Fatalf("the old leader's EndChange: %v, want ErrLeaseLost", err)
	}
	if _, err := lead.store.BeginChange(ctx, l, state.Change{Zone: zone, Kind: state.ChangeFailback, Started: time.Now(), Deadline: time.Now()}); !errors.Is(err, state.ErrLeaseLost) {
		t.Fatalf("the old leader's second BeginChange: %v, want ErrLeaseLost", err)
	}

	next := leaders(rest)[0]
	nl, err := next.store.Acquire(ctx, zone)
	if err != nil {
		t.Fatalf("the new leader's Acquire (the old lock went with its lease): %v", err)
	}
	defer nl.Unlock()
	h, err := next.store.ZoneHistory(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	last, ok := h.Last()
	if !ok || last.ID != ch.ID || !last.Abandoned() || !last.Counts([]string{"ns1.sec.test."}) {
		t.Fatalf("the new leader sees: %+v", h.Changes)
	}
	// It reconciles from the observed delegation: the parent publishes the set, so the
	// change happened; it records the outcome instead of changing anything again.
	last.Finished, last.Applied, last.Confirmed = time.Now(), true, true
	if err := next.store.EndChange(ctx, nl, last); err != nil {
		t.Fatal(err)
	}
	h, _ = next.store.ZoneHistory(ctx, zone)
	if len(h.Changes) != 1 || h.AutoFailoversOn(now, nil) != 1 {
		t.Fatalf("the record: %+v, want the change once", h.Changes)
	}
}

// Observations live under the member's lease: a dead member's view disappears by itself.
func TestObservationsExpireWithTheMember(t *testing.T) {
	c := etcdserver.Start(t)
	cfg := c.ClientConfig(nil)
	p := "/obs/"
	a, b := startMember(t, cfg, p, "a"), startMember(t, cfg, p, "b")
	ctx := ctxT(t, 60*time.Second)
	waitFor(t, "sessions", 20*time.Second, func() bool { return a.Coordination() == nil && b.Coordination() == nil })
	for _, m := range []*member{a, b} {
		o := fleet.Observation{At: time.Now(), Zones: map[string]fleet.ZoneView{zone: {Verdicts: map[string]string{"pri": fleet.Down}}}}
		if err := m.Publish(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	obs, err := a.store.Observations(ctx)
	if err != nil || len(obs) != 2 {
		t.Fatalf("observations: %v %v", obs, err)
	}
	if v := fleet.Aggregate(obs, zone, 2, 15*time.Second, time.Now()); v.Providers["pri"].Status != fleet.Down {
		t.Fatalf("fleet verdict: %+v", v)
	}
	b.crash()
	waitFor(t, "b's observation to expire", 20*time.Second, func() bool {
		obs, err := a.store.Observations(ctx)
		return err == nil && len(obs) == 1 && obs[0].Member == "a"
	})
	obs, _ = a.store.Observations(ctx)
	if v := fleet.Aggregate(obs, zone, 2, 15*time.Second, time.Now()); v.Providers["pri"].Status == fleet.Down {
		t.Fatalf("one member left cannot make quorum 2: %+v", v)
	}
}

// Partitions on real packet loss: three etcd members and three fleet members, one per
// namespace. The leader cut off from the others loses its session, cannot write (its lease is
// fenced out), and another member leads; with the majority gone nobody can act.
func TestPartitionedLeaderStopsActing(t *testing.T) {
	lab := netns.New(t)
	var nodes []*netns.Node
	for i := 1; i <= 3; i++ {
		nodes = append(nodes, lab.AddNode(fmt.Sprintf("m%d", i)))
	}
	c := etcdserver.StartClusterIn(t, nodes)
	p := "/part/"
	var ms []*member
	for i, nd := range nodes {
		ms = append(ms, startMember(t, c.ClientConfig(nd), p, fmt.Sprintf("m%d", i+1)))
	}
	waitFor(t, "one leader", 30*time.Second, func() bool { return len(leaders(ms)) == 1 })
	lead := leaders(ms)[0]
	var leadNode *netns.Node
	for i, m := range ms {
		if m == lead {
			leadNode = nodes[i]
		}
	}
	ctx := ctxT(t, 5*time.Minute)
	l, err := lead.store.Acquire(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	leadNode.Partition()
	// Immediately before a registrar call the leader checks. Cut off, its checks soon fail
	// (its etcd member has no majority); a check that still passed promised a deadline, and
	// no other member may act before it.
	var lastValid time.Time
	if err := netns.WaitFor(20*time.Second, func() error {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		until, err := l.(*fleet.Lease).Check(cctx)
		if err == nil {
			lastValid = until
			return errors.New("still valid")
		}
		if !errors.Is(err, state.ErrLeaseLost) {
			t.Fatalf("the partitioned leader's Check: %v, want ErrLeaseLost", err)
		}
		return nil
	}); err != nil {
		t.Fatal("the partitioned leader's lease still checks out after 20 s")
	}
	var rest []*member
	for _, m := range ms {
		if m != lead {
			rest = append(rest, m)
		}
	}
	waitFor(t, "a new leader on the majority side", 40*time.Second, func() bool { return len(leaders(rest)) == 1 })
	waitFor(t, "the partitioned member to notice", 40*time.Second, func() bool { return lead.Coordination() != nil && !lead.Leading() })
	nl, err := leaders(rest)[0].store.Acquire(ctx, zone)
	if err != nil {
		t.Fatalf("the new leader's Acquire: %v", err)
	}
	if _, err := nl.(*fleet.Lease).Check(ctx); err != nil {
		t.Fatal(err)
	}
	if acted := time.Now(); !lastValid.IsZero() && !acted.After(lastValid) {
		t.Fatalf("the new leader could act at %v, before the old leader's promised deadline %v", acted, lastValid)
	}
	t.Logf("old leader's last valid deadline: %v; new leader acted %v later", lastValid, time.Since(lastValid))
	nl.Unlock()

	// Heal: the old leader comes back as a follower with a new session, and its old lease
	// stays fenced out.
	leadNode.Heal()
	waitFor(t, "the healed member's new session", 40*time.Second, func() bool { return lead.Coordination() == nil })
	if lead.Leading() {
		t.Fatal("the healed member leads again while the new leader lives")
	}
	now := time.Now()
	if _, err := lead.store.BeginChange(ctx, l, state.Change{Zone: zone, Kind: state.ChangeFailover, Started: now, Deadline: now}); !errors.Is(err, state.ErrLeaseLost) {
		t.Fatalf("the old lease after healing: %v, want ErrLeaseLost", err)
	}

	// Majority lost: two etcd members' nodes cut off. Nobody can take the lock or write.
	nodes[0].Partition()
	nodes[1].Partition()
	for _, m := range ms {
		short, cancel := context.WithTimeout(ctx, 3*time.Second)
		if l, err := m.store.Acquire(short, zone); err == nil {
			l.Unlock()
			cancel()
			t.Fatalf("%s acquired the zone lock without an etcd majority", m.ID)
		}
		cancel()
	}
	waitFor(t, "every member to report coordination lost", 40*time.Second, func() bool {
		for _, m := range ms {
			if m.Coordination() == nil {
				return false
			}
		}
		return true
	})
	nodes[0].Heal()
	nodes[1].Heal()
	waitFor(t, "one leader after the majority returns", 60*time.Second, func() bool { return len(leaders(ms)) == 1 })
	h, err := ms[0].store.ZoneHistory(ctx, zone)
	if err != nil || len(h.Changes) != 0 {
		t.Fatalf("changes recorded: %+v %v", h.Changes, err)
	}
}
