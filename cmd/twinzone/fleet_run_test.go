package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
