package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// The acceptance of issue 10 on real servers: a Knot parent for test. (the rfc2136 registrar),
// BIND as the primary and Knot as the secondary of example.test., a `twinzone run` controller,
// and other actors: `twinzone failback` and `twinzone sync` in child processes, and an
// nsupdate of the parent behind twinzone's back. Probes every second, fail_after 2, the
// cooldown at its default (1 h).

type levelLab struct {
	dir, conf  string
	parent     *dnsserver.Server
	bind, knot *dnsserver.Server
	parentAddr []netip.AddrPort
	normal     []string
	listen     string
	log        *syncBuffer
	stop       func()
}

const levelInterval, levelFailAfter = time.Second, 2

func startLevelLab(t *testing.T, mode string, syncInterval time.Duration) *levelLab {
	t.Helper()
	if testing.Short() {
		t.Skip("lab test: -short")
	}
	aa := mode == "active-active"
	tl := lab.Start(t, lab.Options{ActiveActive: aa})
	key := tl.Key
	l := &levelLab{normal: tl.Normal, log: &syncBuffer{}, parent: tl.Parent, bind: tl.Primary, knot: tl.Secondary}
	l.parentAddr = []netip.AddrPort{l.parent.AddrPort()}
	port, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l.listen = fmt.Sprintf("127.0.0.1:%d", port)
	l.dir = t.TempDir()
	t.Setenv("TZ_LEVEL_TSIG", key.Secret)
	t.Setenv("TZ_LEVEL_WRONG", "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMDE=")
	writeFiles(t, l.dir, map[string]string{
		"twinzone.yaml":            levelConfig(l, mode, "state", "example.test.zone", "TZ_LEVEL_TSIG", key.Name),
		"example.test.zone":        labZoneFile,
		"ci/twinzone.yaml":         levelConfig(l, mode, "ci-state", "example.test.zone", "TZ_LEVEL_TSIG", key.Name),
		"ci-bad/twinzone.yaml":     levelConfig(l, mode, "ci-state", "example.test.zone", "TZ_LEVEL_WRONG", key.Name),
		"ci/example.test.zone":     deployZone,
		"ci-bad/example.test.zone": deployZone,
	})
	l.conf = filepath.Join(l.dir, "twinzone.yaml")
	if code, out := runChild(t, "sync", "--config", l.conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, l.normal) {
		t.Fatalf("the parent publishes %v, want %v", got, l.normal)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "run", "--config", l.conf, "--sync-interval", syncInterval.String(), "--log-level", "debug"}, &syncBuffer{}, l.log)
	}()
	l.stop = func() {
		if ctx.Err() != nil {
			return
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("twinzone run: exit %d\n%s", code, l.log.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("twinzone run did not stop")
		}
	}
	t.Cleanup(l.stop)
	waitHealthy(t, l.listen, l.log)
	return l
}

// levelConfig is the lab's config; the bind provider's key comes from bindKeyEnv (a CI job
// whose key the primary refuses uses a wrong one).
func levelConfig(l *levelLab, mode, stateDir, file, bindKeyEnv, keyName string) string {
	return fmt.Sprintf(`state_dir: %[7]s
controller: {listen: "%[5]s"}
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${%[9]s}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_LEVEL_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_LEVEL_TSIG}"}
zones:
  - name: example.test.
    file: %[8]s
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: %[6]s
    probe: {interval: 1s, timeout: 800ms, fail_after: 2, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: true, failback: manual, require_in_sync: true, propagation_timeout: 10s, retry_every: 2s}
`, l.bind.Addr, l.knot.Addr, l.parent.Addr, keyName, l.listen, mode, stateDir, file, bindKeyEnv)
}

// deployZone is the edited zone file CI deploys: one more record, serial bumped.
var deployZone = strings.Replace(labZoneFile, "hostmaster.example.test. 1 ", "hostmaster.example.test. 2 ", 1) + "new IN A 192.0.2.99\n"

// waitParent polls the parent until it publishes want, within the bound.
func (l *levelLab) waitParent(t *testing.T, what string, want []string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	var got []string
	for time.Since(start) < limit {
		if got = parentNS(t, l.parentAddr); slices.Equal(got, want) {
			t.Logf("%s: the parent publishes %v after %s", what, want, time.Since(start).Round(time.Millisecond))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the parent publishes %v after %s, want %v\n--- twinzone run ---\n%s", what, got, limit, want, lastLines(l.log.String(), 40))
}

// waitLog polls run's log until a line holds every one of subs.
func (l *levelLab) waitLog(t *testing.T, limit time.Duration, subs ...string) string {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if line := findLine(l.log.String(), subs...); line != "" {
			return line
		}
	}
	t.Fatalf("twinzone run logged no line with %q within %s\n%s", subs, limit, lastLines(l.log.String(), 40))
	return ""
}

func findLine(log string, subs ...string) string {
	for _, line := range strings.Split(log, "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			return line
		}
	}
	return ""
}

// TestLevelManualFailbackThenPrimaryDiesAgain: `run` fails over; the primary comes back; a
// human runs `twinzone failback --yes` in another process; the primary dies again: the
// delegation moves again within fail_after x interval + 5 s, with the default cooldown.
func TestLevelManualFailbackThenPrimaryDiesAgain(t *testing.T) {
	for _, mode := range []string{"switch", "active-active"} {
		t.Run(mode, func(t *testing.T) {
			l := startLevelLab(t, mode, 0)
			bound := levelFailAfter*levelInterval + 5*time.Second
			failed := []string{"ns2.example.test."}
			l.bind.Stop()
			l.waitParent(t, "first outage", failed, bound)
			l.bind.Start()
			if code, out := runChild(t, "failback", "--config", l.conf, "--yes"); code != 0 {
				t.Fatalf("failback: exit %d\n%s", code, out)
			}
			if got := parentNS(t, l.parentAddr); !slices.Equal(got, l.normal) {
				t.Fatalf("after failback the parent publishes %v, want %v", got, l.normal)
			}
			l.waitLog(t, 10*time.Second, `msg="delegation changed"`, "by=other_process")
			l.bind.Stop()
			l.waitParent(t, "second outage after a manual failback", failed, bound)
			if line := findLine(l.log.String(), "reason=cooldown"); line != "" {
				t.Fatalf("the second failover was held back by the cooldown: %s", line)
			}
		})
	}
}

// TestLevelDeploysAndHandChanges: `run` with a periodic sync. A CI sync that reaches only the
// secondary (the primary refuses its key), then one that reaches both, with a zone file the
// controller does not have: nothing is marked down, no new record is removed, the delegation
// is untouched, and the controller says its copy is behind. Given the new file, it adopts it
// without a restart. Then someone changes the delegation at the parent by hand: reported
// within one round.
func TestLevelDeploysAndHandChanges(t *testing.T) {
	l := startLevelLab(t, "active-active", 2*time.Second)
	newRecord := func(s *dnsserver.Server) bool { return hasA(t, s.Addr, "new.example.test.", "192.0.2.99") }

	code, out := runChild(t, "sync", "--config", filepath.Join(l.dir, "ci-bad", "twinzone.yaml"))
	if code == 0 || !newRecord(l.knot) || newRecord(l.bind) {
		t.Fatalf("the CI sync with the key the primary refuses: exit %d, secondary new=%v, primary new=%v\n%s", code, newRecord(l.knot), newRecord(l.bind), out)
	}
	l.waitLog(t, 15*time.Second, `msg="zone version"`, "the controller's zone file is behind")
	l.waitLog(t, 15*time.Second, `msg="periodic sync skipped`)
	if !newRecord(l.knot) {
		t.Fatalf("the controller reverted the secondary's deploy\n%s", lastLines(l.log.String(), 40))
	}
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, l.normal) {
		t.Fatalf("the delegation changed to %v after a partial deploy", got)
	}

	if code, out := runChild(t, "sync", "--config", filepath.Join(l.dir, "ci", "twinzone.yaml")); code != 0 {
		t.Fatalf("CI sync: exit %d\n%s", code, out)
	}
	deadline := time.Now().Add(3 * 2 * time.Second)
	for time.Now().Before(deadline) { // three sync intervals: the deploy stays
		if !newRecord(l.bind) || !newRecord(l.knot) {
			t.Fatalf("a record of the new zone was removed\n%s", lastLines(l.log.String(), 40))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, l.normal) {
		t.Fatalf("the delegation changed to %v after a deploy", got)
	}
	if line := findLine(l.log.String(), "msg=verdict", "to=down"); line != "" {
		t.Fatalf("a provider was marked down after a deploy: %s", line)
	}
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_zone_file_behind{zone="example.test."} 1`)
	// A human's `twinzone sync` of the controller's older file is refused (NoDowngrade).
	if code, out := runChild(t, "sync", "--config", l.conf); code == 0 || !strings.Contains(out, "newer than this zone file") || !newRecord(l.bind) {
		t.Fatalf("sync of an older file: exit %d, primary new=%v\n%s", code, newRecord(l.bind), out)
	}

	// The controller gets the new file: adopted without a restart.
	if err := os.WriteFile(filepath.Join(l.dir, "example.test.zone"), []byte(deployZone), 0o600); err != nil {
		t.Fatal(err)
	}
	l.waitLog(t, 10*time.Second, `msg="zone file changed: new version adopted"`)
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_zone_file_behind{zone="example.test."} 0`)

	// By hand: the secondary's NS removed at the parent.
	nsupdate(t, l.parent.Addr, "example.test.", "ns2.example.test.")
	line := l.waitLog(t, 2*levelInterval+5*time.Second, `msg="delegation changed"`, "by=outside")
	if !strings.Contains(line, "to=[bind]") {
		t.Fatalf("delegation change line: %s", line)
	}
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_delegation_changes_total{by="outside",zone="example.test."} 1`,
		`twinzone_delegated{provider="knot",zone="example.test."} 0`)
	// Decided from: the secondary is healthy and out of the delegation; failback is manual.
	l.waitLog(t, 10*time.Second, `msg="failover held back"`, "reason=manual_failback")
}

// hasA asks server (RD=0) for name's A record.
func hasA(t *testing.T, server, name, want string) bool {
	t.Helper()
	c := &dns.Client{Timeout: 2 * time.Second}
	for range 3 {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		r, _, err := c.Exchange(m, server)
		if err != nil {
			continue
		}
		for _, rr := range r.Answer {
			if a, ok := rr.(*dns.A); ok && a.A.String() == want {
				return true
			}
		}
		return false
	}
	return false
}

// nsupdate removes one NS of zone at the parent with a TSIG-signed UPDATE, as a person with
// nsupdate (or the registrar's web UI) would.
func nsupdate(t *testing.T, parent, zone, ns string) {
	t.Helper()
	key := dnsserver.TestKey
	m := new(dns.Msg)
	m.SetUpdate("test.")
	rr, err := dns.NewRR(zone + " 60 IN NS " + ns)
	if err != nil {
		t.Fatal(err)
	}
	m.Remove([]dns.RR{rr})
	m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{key.Name: key.Secret}}
	r, _, err := c.Exchange(m, parent)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("nsupdate at the parent: %v %v", err, r)
	}
}
