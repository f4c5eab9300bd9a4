package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
)

// blackhole is a TCP proxy to one etcd member that can be cut: while cut, it forwards nothing
// (open connections stall, new ones are accepted and held), as a network that drops packets.
type blackhole struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: strings.TrimPrefix(target, "http://")}
	go b.serve()
	t.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		for _, c := range b.conns {
			c.Close()
		}
		b.mu.Unlock()
	})
	return b
}

func (b *blackhole) URL() string { return "http://" + b.ln.Addr().String() }

func (b *blackhole) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, c)
		cut := b.cut
		b.mu.Unlock()
		if cut {
			continue // held open, never answered
		}
		up, err := net.Dial("tcp", b.target)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, up)
		b.mu.Unlock()
		go b.pipe(up, c)
		go b.pipe(c, up)
	}
}

// pipe copies while the proxy is not cut; once cut, bytes are read and dropped.
func (b *blackhole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		b.mu.Lock()
		cut := b.cut
		b.mu.Unlock()
		if cut {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (b *blackhole) setCut(v bool) { b.mu.Lock(); b.cut = v; b.mu.Unlock() }

// TestFleetPartitionedLeader: the leader loses etcd (its traffic to etcd is black-holed, DNS
// is not) while the primary dies. It never calls the registrar: the parent's zone is updated
// exactly once, by another member, and etcd records that one change with its holder.
func TestFleetPartitionedLeader(t *testing.T) {
	fl := startFleetLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	holes := map[string][]*blackhole{}
	var ms []*fleetMember
	for _, id := range []string{"m1", "m2", "m3"} {
		var eps []string
		for _, ep := range fl.ec.Endpoints() {
			h := newBlackhole(t, ep)
			holes[id] = append(holes[id], h)
			eps = append(eps, h.URL())
		}
		fl.setEndpoints(t, eps)
		ms = append(ms, startFleetMember(t, fl.conf, id, fl.bind.Addr))
	}
	waitUntil(t, "three members publishing and a leader", 90*time.Second, func() bool {
		obs, err := fl.store.Observations(ctx)
		l, lerr := fl.store.Leader(ctx)
		return err == nil && lerr == nil && len(obs) == 3 && l != ""
	})
	leader, _ := fl.store.Leader(ctx)
	serial := parentSerial(t, fl.parent.AddrPort())
	for _, h := range holes[leader] {
		h.setCut(true)
	}
	fl.bind.Stop()
	waitUntil(t, "the failover by another member", 60*time.Second, func() bool { return slices.Equal(parentNS(t, fl.parentAddr), fleetFailed) })
	fl.holdNS(t, "after the failover", fleetFailed, 6*time.Second)
	if s := parentSerial(t, fl.parent.AddrPort()); s != serial+1 {
		t.Fatalf("the parent's serial went from %d to %d: want exactly one registrar call", serial, s)
	}
	cs, n := fl.changes(t, ctx)
	if n != 1 || len(cs) != 1 || strings.Contains(cs[0].Holder, "member "+leader+" ") {
		t.Fatalf("changes in etcd: %+v; want one, not by the partitioned leader %s", cs, leader)
	}
	var cut *fleetMember
	for _, m := range ms {
		if m.id == leader {
			cut = m
		}
	}
	if body := cut.get("/healthz"); !strings.Contains(body, `"coordinated":false`) || !strings.Contains(body, `"leading":false`) {
		t.Errorf("the partitioned member's /healthz: %s", body)
	}
}

// TestFleetMajorityLost: etcd loses its majority. Nobody changes the delegation, even when
// the primary dies meanwhile; members keep probing and report coordination lost. When etcd
// returns they converge: one change for the dead primary, none spurious.
func TestFleetMajorityLost(t *testing.T) {
	fl := startFleetLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var ms []*fleetMember
	for _, id := range []string{"m1", "m2", "m3"} {
		ms = append(ms, startFleetMember(t, fl.conf, id, fl.bind.Addr))
	}
	waitUntil(t, "three members publishing and a leader", 90*time.Second, func() bool {
		obs, err := fl.store.Observations(ctx)
		l, lerr := fl.store.Leader(ctx)
		return err == nil && lerr == nil && len(obs) == 3 && l != ""
	})
	fl.ec.Members[1].Kill()
	fl.ec.Members[2].Kill()
	waitUntil(t, "every member reporting coordination lost", 60*time.Second, func() bool {
		for _, m := range ms {
			if !strings.Contains(m.scrape(), "twinzone_fleet_coordinated 0") {
				return false
			}
		}
		return true
	})
	fl.bind.Stop()
	waitUntil(t, "every member reporting its own verdict: the primary down", 30*time.Second, func() bool {
		for _, m := range ms {
			if !strings.Contains(m.scrape(), `twinzone_provider_up{provider="bind",zone="example.test."} 0`) {
				return false
			}
		}
		return true
	})
	fl.holdNS(t, "majority lost, primary dead", fleetNormal, 8*time.Second)
	fl.ec.Members[1].Start()
	fl.ec.Members[2].Start()
	if err := fl.ec.WaitHealthy(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the failover once etcd is back", 90*time.Second, func() bool { return slices.Equal(parentNS(t, fl.parentAddr), fleetFailed) })
	fl.holdNS(t, "after convergence", fleetFailed, 6*time.Second)
	if cs, n := fl.changes(t, ctx); n != 1 || len(cs) != 1 {
		t.Fatalf("changes in etcd: %+v, want exactly one", cs)
	}
}

// TestFleetFlap: a flapping primary with failback: auto, cooldown 0 and max_per_day 2, and the
// leader killed in between: the daily cap lives in etcd, so the fleet makes at most two
// automatic failovers, whoever leads.
func TestFleetFlap(t *testing.T) {
	fl := startFleetLabWith(t, `    probe: {interval: 1s, timeout: 500ms, fail_after: 2, recover_after: 2, quorum: all, tcp_every: 0}
    failover: {auto: true, cooldown: 0s, max_per_day: 2, failback: auto, require_in_sync: true, propagation_timeout: 20s}
`, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ms := map[string]*fleetMember{}
	for _, id := range []string{"m1", "m2", "m3"} {
		ms[id] = startFleetMember(t, fl.conf, id, fl.bind.Addr)
	}
	waitUntil(t, "three members publishing and a leader", 90*time.Second, func() bool {
		obs, err := fl.store.Observations(ctx)
		l, lerr := fl.store.Leader(ctx)
		return err == nil && lerr == nil && len(obs) == 3 && l != ""
	})
	autoFailovers := func() int {
		cs, _ := fl.changes(t, ctx)
		n := 0
		for _, c := range cs {
			if c.Auto && c.Kind == state.ChangeFailover && c.Applied {
				n++
			}
		}
		return n
	}
	for flap := 1; flap <= 4; flap++ {
		fl.bind.Stop()
		if flap <= 2 {
			waitUntil(t, fmt.Sprintf("failover %d", flap), 60*time.Second, func() bool { return slices.Equal(parentNS(t, fl.parentAddr), fleetFailed) })
		} else {
			fl.holdNS(t, fmt.Sprintf("flap %d, daily cap reached", flap), fleetNormal, 6*time.Second)
		}
		fl.bind.Start()
		if flap <= 2 {
			waitUntil(t, fmt.Sprintf("failback %d", flap), 60*time.Second, func() bool { return slices.Equal(parentNS(t, fl.parentAddr), fleetNormal) })
		}
		if flap == 1 { // the cap is the fleet's: a new leader counts the old one's failover
			leader, _ := fl.store.Leader(ctx)
			ms[leader].kill()
			waitUntil(t, "a new leader", 60*time.Second, func() bool {
				l, err := fl.store.Leader(ctx)
				return err == nil && l != "" && l != leader
			})
		}
	}
	if n := autoFailovers(); n != 2 {
		cs, _ := fl.changes(t, ctx)
		t.Fatalf("%d automatic failovers recorded, want 2 (max_per_day): %+v", n, cs)
	}
}

// TestFleetDetectionFigures is a benchmark, not a timed test (make bench sets
// TWINZONE_FLEET_BENCH=1): the time from the primary's death to the parent publishing the
// failover set (the rfc2136 registrar writes the parent directly, so that is the registrar
// call), with one member (vantage_quorum 1) and with three (vantage_quorum 2), probing every
// second with fail_after 2. It reports the figures and asserts nothing about them.
func TestFleetDetectionFigures(t *testing.T) {
	if os.Getenv("TWINZONE_FLEET_BENCH") != "1" {
		t.Skip("benchmark: make bench runs it")
	}
	const runs = 3
	for _, members := range []int{1, 3} {
		var took []time.Duration
		for run := range runs {
			t.Run(fmt.Sprintf("members=%d/run=%d", members, run), func(t *testing.T) {
				quorum := min(members, 2)
				fl := startFleetLabWith(t, fleetGuards, quorum)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				for i := range members {
					startFleetMember(t, fl.conf, fmt.Sprintf("m%d", i+1), fl.bind.Addr)
				}
				waitUntil(t, "members publishing the primary up, and a leader", 90*time.Second, func() bool {
					obs, err := fl.store.Observations(ctx)
					l, lerr := fl.store.Leader(ctx)
					if err != nil || lerr != nil || len(obs) != members || l == "" {
						return false
					}
					for _, o := range obs {
						if o.Zones[e2eOrigin].Verdicts["bind"] != fleet.Up {
							return false
						}
					}
					return true
				})
				died := time.Now()
				fl.bind.Stop()
				waitUntil(t, "the failover", 60*time.Second, func() bool { return slices.Equal(parentNS(t, fl.parentAddr), fleetFailed) })
				took = append(took, time.Since(died))
			})
		}
		slices.Sort(took)
		if len(took) > 0 {
			t.Logf("fleet of %d: primary death to registrar call (parent published): median %v, min %v, max %v over %d runs (interval 1s, fail_after 2)",
				members, took[len(took)/2].Round(10*time.Millisecond), took[0].Round(10*time.Millisecond), took[len(took)-1].Round(10*time.Millisecond), len(took))
		}
	}
}
