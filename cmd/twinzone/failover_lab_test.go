package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// The lab of issue 4: every server of the resolution path on port 53 of its own loopback
// address, because a delegation cannot carry a port.
const (
	labParent    = "127.0.0.2" // Knot: the parent zone test. (the registrar, through rfc2136)
	labPrimary   = "127.0.0.1" // BIND: primary of example.test. (BIND binds only interface addresses)
	labSecondary = "127.0.0.3" // Knot: secondary of example.test.
	labResolver  = "127.0.0.4" // Unbound: stub zone test. -> the parent
	labInterval  = time.Second
	labFailAfter = 2
)

const labZoneFile = `$ORIGIN example.test.
$TTL 60
@ 60 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 60
@ IN NS ns1.example.test.
@ IN NS ns2.example.test.
ns1 IN A 127.0.0.1
ns2 IN A 127.0.0.3
www IN A 192.0.2.80
@ IN MX 10 mail.example.test.
mail IN A 192.0.2.25
@ IN TXT "v=spf1 mx -all"
`

// requirePort53 waits (bounded) until port 53 of every ip is free, since another lab on this
// shared machine may hold it for a few seconds, and fails with a clear message otherwise.
func requirePort53(t *testing.T, ips ...string) {
	t.Helper()
	var err error
	for range 60 {
		if err = port53Free(ips); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("the failover lab needs port 53 (UDP and TCP) on %v, because servers in a delegation path cannot use another port: %v; run as root (or with CAP_NET_BIND_SERVICE) and stop whatever listens there", ips, err)
}

func port53Free(ips []string) error {
	for _, ip := range ips {
		addr := net.JoinHostPort(ip, "53")
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		u.Close()
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		l.Close()
	}
	return nil
}

// TestFailoverLab is issue 4's acceptance on real servers: the primary (BIND) is killed while
// `twinzone run` watches; the parent (Knot, changed through the rfc2136 registrar) publishes
// the secondary's NS set within fail_after x interval + 5 s; Unbound resolves the zone through
// the secondary; BIND comes back and `twinzone failback` restores the normal delegation.
func TestFailoverLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test: -short")
	}
	dnsserver.LockPort53(t) // pkg/drill also runs BIND on 127.0.0.1:53
	for _, mode := range []string{"switch", "active-active"} {
		t.Run(mode, func(t *testing.T) { failoverLab(t, mode) })
	}
}

func failoverLab(t *testing.T, mode string) {
	requirePort53(t, labParent, labPrimary, labSecondary, labResolver)
	aa := mode == "active-active"
	tl := lab.Start(t, lab.Options{ActiveActive: aa, ParentIP: labParent, PrimaryIP: labPrimary, SecondaryIP: labSecondary,
		Resolver: &dnsserver.UnboundOptions{IP: labResolver, Port: 53}})
	key, bind, unbound := tl.Key, tl.Primary, tl.Resolver

	dir := t.TempDir()
	t.Setenv("TZ_LAB_TSIG", key.Secret)
	metricsPort, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", metricsPort)
	cfg := fmt.Sprintf(`state_dir: state
providers:
  bind: {type: rfc2136, server: "%[1]s:53", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_LAB_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s:53", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_LAB_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s:53", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_LAB_TSIG}"}
controller:
  listen: "%[5]s"
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: %[6]s
    probe: {interval: 1s, timeout: 900ms, fail_after: %[7]d, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: true, cooldown: 0s, max_per_day: 10, failback: manual, require_in_sync: true, propagation_timeout: 10s}
`, labPrimary, labSecondary, labParent, key.Name, listen, mode, labFailAfter)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")

	if code, out, stderr := runCLI(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, stderr)
	}
	// Healthy after the sync (retried: a loaded machine may drop one probe).
	for i := 0; ; i++ {
		code, out, stderr := runCLI(t, "probe", "--config", conf)
		if code == 0 {
			break
		}
		if i == 4 {
			t.Fatalf("probe after sync: exit %d, want 0\n%s\n%s", code, out, stderr)
		}
		time.Sleep(time.Second)
	}

	primarySet := []string{"ns1.example.test."}
	normal := primarySet
	if aa {
		normal = []string{"ns1.example.test.", "ns2.example.test."}
	}
	parentAddr := []netip.AddrPort{netip.MustParseAddrPort(labParent + ":53")}
	if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
		t.Fatalf("parent publishes %v before the outage, want %v", got, normal)
	}
	if aa { // resolution works before the outage (and fills Unbound's cache with both sets)
		if a, err := resolveA(unbound.Addr, "www.example.test."); err != nil || a != "192.0.2.80" {
			t.Fatalf("before the outage: www.example.test. = %q, %v", a, err)
		}
	}

	// twinzone run, in-process, cancelled at the end of the test like a SIGTERM would.
	ctx, cancel := context.WithCancel(context.Background())
	var runOut, runErr syncBuffer
	runDone := make(chan int, 1)
	go func() {
		runDone <- run(ctx, []string{"twinzone", "run", "--config", conf, "--sync-interval", "0", "--log-level", "debug"}, &runOut, &runErr)
	}()
	stopRun := func() {
		cancel()
		select {
		case code := <-runDone:
			if code != 0 {
				t.Errorf("twinzone run: exit %d\n%s", code, runErr.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("twinzone run did not stop after its context was cancelled")
		}
	}
	defer func() {
		if ctx.Err() == nil {
			stopRun()
		}
	}()
	waitHealthy(t, listen, &runErr)

	// The primary dies.
	bind.Stop()
	killed := time.Now()
	deadline := killed.Add(labFailAfter*labInterval + 5*time.Second)
	want := []string{"ns2.example.test."}
	var got []string
	for time.Now().Before(deadline) {
		if got = parentNS(t, parentAddr); slices.Equal(got, want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the parent publishes %v %s after the primary died, want %v\n--- twinzone run ---\n%s", got, time.Since(killed).Round(time.Millisecond), want, runErr.String())
	}
	t.Logf("%s: the parent publishes the secondary's set %s after the primary died", mode, time.Since(killed).Round(time.Millisecond))

	// Unbound resolves the zone through the secondary.
	if a, err := resolveA(unbound.Addr, "www.example.test."); err != nil || a != "192.0.2.80" {
		t.Fatalf("after failover: www.example.test. through Unbound = %q, %v", a, err)
	}
	if a, err := resolveA(unbound.Addr, "mail.example.test."); err != nil || a != "192.0.2.25" {
		t.Fatalf("after failover: mail.example.test. through Unbound = %q, %v", a, err)
	}

	// The controller records the change once the registrar call and the parent poll return:
	// moments after the parent publishes it.
	waitMetrics(t, listen, 10*time.Second,
		`twinzone_failovers_total{kind="failover",zone="example.test."} 1`,
		`twinzone_provider_up{provider="bind",zone="example.test."} 0`,
		`twinzone_delegated{provider="bind",zone="example.test."} 0`,
		`twinzone_delegated{provider="knot",zone="example.test."} 1`,
	)
	stopRun()

	// The primary comes back; failback is manual.
	bind.Start()
	code, out, stderr := runCLI(t, "failback", "--config", conf, "--yes")
	if code != 0 {
		t.Fatalf("failback: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
		t.Fatalf("after failback the parent publishes %v, want %v\n%s", got, normal, out)
	}
	code, out, stderr = runCLI(t, "status", "--config", conf)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s\n%s", code, out, stderr)
	}
	mustContain(t, "status", out, "zone example.test.", "normal", "failback")

	// Every journal line parses and the decisions carry their evidence.
	b, err := os.ReadFile(filepath.Join(dir, "state", state.JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("journal line is not JSON: %v\n%s", err, line)
		}
		k, _ := ev["kind"].(string)
		kinds[k] = true
		if (k == "failover" || k == "failback" || k == "verdict") && ev["evidence"] == nil {
			t.Errorf("%s event without evidence: %s", k, line)
		}
	}
	for _, k := range []string{"sync", "verdict", "failover", "failback"} {
		if !kinds[k] {
			t.Errorf("journal has no %s event", k)
		}
	}
}

func parentNS(t *testing.T, parent []netip.AddrPort) []string {
	t.Helper()
	r := &delegation.Reader{Timeout: 2 * time.Second}
	var err error
	for range 3 { // a loaded machine may drop a query
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var d delegation.Delegation
		d, err = r.Delegation(ctx, parent, e2eOrigin)
		cancel()
		if err == nil {
			return d.NS
		}
	}
	return []string{"error: " + err.Error()}
}

// resolveA asks the resolver (RD=1) for name's A record, retrying for up to 20 s while the
// resolver gives up on the dead server (Unbound also answers SERVFAIL from its cache for about
// 5 s after a failed lookup, and a loaded machine slows all of it down).
func resolveA(resolver, name string) (string, error) {
	c := &dns.Client{Timeout: 3 * time.Second}
	var last error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		r, _, err := c.Exchange(m, resolver)
		if err == nil && r.Rcode == dns.RcodeSuccess {
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					return a.A.String(), nil
				}
			}
			err = fmt.Errorf("no A record in the answer: %v", r.Answer)
		} else if err == nil {
			err = fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])
		}
		last = err
		time.Sleep(500 * time.Millisecond)
	}
	return "", last
}

func waitHealthy(t *testing.T, listen string, logs *syncBuffer) {
	t.Helper()
	for range 100 {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("twinzone run did not report healthy on %s\n%s", listen, logs.String())
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitMetrics polls /metrics until it holds every line of want, or fails after limit.
func waitMetrics(t *testing.T, listen string, limit time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		metrics := httpGet(t, "http://"+listen+"/metrics")
		var missing []string
		for _, m := range want {
			if !strings.Contains(metrics, m) {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("/metrics lacks %v after %s", missing, limit)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
