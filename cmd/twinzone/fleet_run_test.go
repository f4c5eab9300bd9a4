package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// fleetMember is one `twinzone run` child process of the fleet test.
type fleetMember struct {
	id   string
	base string // http://addr
	cmd  *exec.Cmd
	done chan struct{}
}

// startFleetMember runs `twinzone run` as a child process with TWINZONE_ID=id and the
// primary's probe address primaryNS (a dead address cuts that member off from the primary).
func startFleetMember(t *testing.T, conf, id, primaryNS string) *fleetMember {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	m := &fleetMember{id: id, base: "http://" + addr, done: make(chan struct{})}
	t.Setenv("TWINZONE_ID", id)
	t.Setenv("TZ_PRIMARY_NS", primaryNS)
	var buf bytes.Buffer
	m.cmd = crashChild(t, &buf, "run", "--config", conf, "--listen", addr, "--sync-interval", "0", "--log-format", "text")
	go func() { _ = m.cmd.Wait(); close(m.done) }()
	t.Cleanup(func() {
		m.kill()
		if t.Failed() {
			t.Logf("--- member %s ---\n%s", id, tailLines(buf.String(), 40))
		}
	})
	return m
}

func (m *fleetMember) kill() {
	if m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
	}
	<-m.done
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// scrape returns the member's /metrics text ("" when it does not answer).
func (m *fleetMember) scrape() string { return m.get("/metrics") }

// get returns the body of path on the member's HTTP server ("" when it does not answer).
func (m *fleetMember) get(path string) string {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(m.base + path)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func parentSerial(t *testing.T, parent netip.AddrPort) uint32 {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("test.", dns.TypeSOA)
	for range 5 {
		r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, parent.String())
		if err == nil && len(r.Answer) > 0 {
			return r.Answer[0].(*dns.SOA).Serial
		}
	}
	t.Fatal("the parent does not answer its SOA")
	return 0
}

// fleetLab is a real 3-member etcd, a BIND primary, a Knot secondary and a Knot parent as
// rfc2136 registrar, a switch-mode config for fleet members, and a store to look into etcd.
type fleetLab struct {
	ec         *etcdserver.Cluster
	parent     *dnsserver.Server
	bind       *dnsserver.Server
	knot       *dnsserver.Server
	conf       string
	store      *fleet.Store
	parentAddr []netip.AddrPort
}

var (
	fleetNormal = []string{"ns1.example.test."}
	fleetFailed = []string{"ns2.example.test."}
)

// fleetGuards are the probe and failover settings of the lab's zone (TestFleetFlap sets its own).
const fleetGuards = `    probe: {interval: 1s, timeout: 500ms, fail_after: 2, recover_after: 30, quorum: all, tcp_every: 0}
    failover: {auto: true, cooldown: 1h, max_per_day: 2, failback: manual, require_in_sync: true, propagation_timeout: 20s}
`

func startFleetLab(t *testing.T) *fleetLab { t.Helper(); return startFleetLabWith(t, fleetGuards, 2) }

func startFleetLabWith(t *testing.T, guards string, quorum int) *fleetLab {
	t.Helper()
	if testing.Short() {
		t.Skip("fleet run tests: three controllers and etcd")
	}
	ec := etcdserver.StartCluster(t, 3)
	tl := lab.Start(t, lab.Options{})
	key, parent, bind, knot := tl.Key, tl.Parent, tl.Primary, tl.Secondary
	dir := t.TempDir()
	t.Setenv("TZ_FLEET_TSIG", key.Secret)
	cfg := fmt.Sprintf(`state_dir: "state-${TWINZONE_ID}"
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=${TZ_PRIMARY_NS}"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
%[5]sfleet:
  id: "${TWINZONE_ID}"
  etcd: {endpoints: ["${TZ_ETCD_EP1}", "${TZ_ETCD_EP2}", "${TZ_ETCD_EP3}"], prefix: /fleetrun/}
  vantage_quorum: %[6]d
  observation_ttl: 4s
`, bind.Addr, knot.Addr, parent.Addr, key.Name, guards, quorum)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	fl := &fleetLab{ec: ec, parent: parent, bind: bind, knot: knot, conf: filepath.Join(dir, "twinzone.yaml"), parentAddr: []netip.AddrPort{parent.AddrPort()}}
	t.Setenv("TWINZONE_ID", "ci")
	t.Setenv("TZ_PRIMARY_NS", bind.Addr)
	fl.setEndpoints(t, ec.Endpoints())
	if code, out, stderr := runCLI(t, "sync", "--config", fl.conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, stderr)
	}
	cli, err := clientv3.New(ec.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	if fl.store, err = fleet.New(cli, fleet.Options{Prefix: "/fleetrun/", TTL: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	return fl
}

// setEndpoints sets the etcd endpoints the next member (or CLI command) is given.
func (l *fleetLab) setEndpoints(t *testing.T, eps []string) {
	for i := range 3 {
		t.Setenv(fmt.Sprintf("TZ_ETCD_EP%d", i+1), eps[i%len(eps)])
	}
}

// changesCounted returns the changes etcd records and how many of them moved the delegation
// to the failover set.
func (l *fleetLab) changes(t *testing.T, ctx context.Context) ([]state.Change, int) {
	t.Helper()
	h, err := l.store.ZoneHistory(ctx, e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range h.Changes {
		if c.Counts(fleetFailed) {
			n++
		}
	}
	return h.Changes, n
}

// holdNS asserts that the parent keeps publishing want (and its serial: no registrar call
// at all) for d.
func (l *fleetLab) holdNS(t *testing.T, what string, want []string, d time.Duration) {
	t.Helper()
	serial := parentSerial(t, l.parent.AddrPort())
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if got := parentNS(t, l.parentAddr); !slices.Equal(got, want) {
			t.Fatalf("%s: the parent publishes %v, want %v", what, got, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if s := parentSerial(t, l.parent.AddrPort()); s != serial {
		t.Fatalf("%s: the parent's serial moved from %d to %d: a registrar call", what, serial, s)
	}
}

// TestFleetRun: three `twinzone run` members (child processes) on the fleet lab.
//   - one member cut off from the primary (the other two see it up): no change;
//   - the primary dies for everyone: exactly one delegation change, every member exports the
//     same fleet verdict;
//   - the leader is SIGKILLed after its change: another member leads, nothing changes again
//     (the parent's serial stays), and etcd records the change once.
func TestFleetRun(t *testing.T) {
	fl := startFleetLab(t)
	parent, bind, conf, store, parentAddr := fl.parent, fl.bind, fl.conf, fl.store, fl.parentAddr
	normal, failed := fleetNormal, fleetFailed

	dead, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answered: a black hole
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	ms := []*fleetMember{
		startFleetMember(t, conf, "m1", bind.Addr),
		startFleetMember(t, conf, "m2", bind.Addr),
		startFleetMember(t, conf, "m3", dead.LocalAddr().String()),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	waitUntil(t, "three members publishing, m3 seeing the primary down", 90*time.Second, func() bool {
		obs, err := store.Observations(ctx)
		if err != nil || len(obs) != 3 {
			return false
		}
		for _, o := range obs {
			if o.Member == "m3" && o.Zones[e2eOrigin].Verdicts["bind"] != fleet.Down {
				return false
			}
		}
		return true
	})
	serial := parentSerial(t, parent.AddrPort())
	// The observation window: several fail_after x interval periods with m3's vote for "down".
	window := time.Now().Add(8 * time.Second)
	for time.Now().Before(window) {
		if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
			t.Fatalf("one member cut off from the primary changed the delegation to %v", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if h, _ := store.ZoneHistory(ctx, e2eOrigin); len(h.Changes) != 0 || parentSerial(t, parent.AddrPort()) != serial {
		t.Fatalf("changes recorded with one member cut off: %+v", h.Changes)
	}

	// The primary dies for everyone. The leader is SIGKILLed as soon as the parent publishes
	// its change: usually before it saw that itself and recorded the outcome.
	leader, err := store.Leader(ctx)
	if err != nil || leader == "" {
		t.Fatalf("leader: %q %v", leader, err)
	}
	died := time.Now()
	bind.Stop()
	waitUntil(t, "the failover", 60*time.Second, func() bool { return slices.Equal(parentNS(t, parentAddr), failed) })
	took := time.Since(died)
	var rest []*fleetMember
	for _, m := range ms {
		if m.id == leader {
			m.kill()
		} else {
			rest = append(rest, m)
		}
	}
	t.Logf("primary death to delegation published at the parent: %v (fail_after x interval = 2s)", took.Round(100*time.Millisecond))
	serial = parentSerial(t, parent.AddrPort())
	if h, err := store.ZoneHistory(ctx, e2eOrigin); err == nil {
		if last, ok := h.Last(); ok {
			t.Logf("the change as the killed leader %s left it: finished=%v applied=%v", leader, !last.Abandoned(), last.Applied)
		}
	}
	waitUntil(t, "a new leader", 60*time.Second, func() bool {
		l, err := store.Leader(ctx)
		return err == nil && l != "" && l != leader
	})
	want := `twinzone_fleet_verdict{provider="bind",status="down",zone="example.test."} 1`
	waitUntil(t, "every live member exporting the fleet verdict down", 30*time.Second, func() bool {
		for _, m := range rest {
			if !strings.Contains(m.scrape(), want) {
				return false
			}
		}
		return true
	})
	// Several rounds under the new leader: nothing changes again.
	settle := time.Now().Add(6 * time.Second)
	for time.Now().Before(settle) {
		time.Sleep(500 * time.Millisecond)
	}
	if got := parentNS(t, parentAddr); !slices.Equal(got, failed) || parentSerial(t, parent.AddrPort()) != serial {
		t.Fatalf("after the leader's death the parent publishes %v (serial %d, was %d): a second registrar call", got, parentSerial(t, parent.AddrPort()), serial)
	}
	h, err := store.ZoneHistory(ctx, e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, c := range h.Changes {
		if c.Counts(failed) {
			counted++
		}
	}
	if counted != 1 || len(h.Changes) != 1 {
		t.Fatalf("changes in etcd: %+v, want exactly one", h.Changes)
	}
	// A human's failback goes through the fleet's lock and record: the primary is back, the
	// CLI (with the fleet config) fails back while the members run; etcd records it as manual.
	bind.Start()
	t.Setenv("TWINZONE_ID", "oncall")
	t.Setenv("TZ_PRIMARY_NS", bind.Addr) // the last member started was m3, cut off from it
	if code, out, stderr := runCLI(t, "failback", "--config", conf, "--yes"); code != 0 {
		t.Fatalf("failback: exit %d\n%s%s", code, out, stderr)
	}
	if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
		t.Fatalf("after the manual failback the parent publishes %v", got)
	}
	h, _ = store.ZoneHistory(ctx, e2eOrigin)
	if last, ok := h.Last(); len(h.Changes) != 2 || !ok || last.Auto || last.Kind != state.ChangeFailback || !last.Applied {
		t.Fatalf("changes in etcd after the manual failback: %+v", h.Changes)
	}
	// /healthz of every live member tells the fleet's view: one of them leads.
	leading := 0
	for _, m := range rest {
		body := m.get("/healthz")
		if !strings.Contains(body, `"member":"`+m.id+`"`) || !strings.Contains(body, `"coordinated":true`) {
			t.Errorf("%s /healthz: %s", m.id, body)
		}
		if strings.Contains(body, `"leading":true`) {
			leading++
		}
	}
	if leading != 1 {
		t.Errorf("%d live members say they lead, want 1", leading)
	}
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

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
