package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// The guards of issue 10 on real servers (the lab: a Knot parent as the rfc2136 registrar,
// BIND primary, Knot secondary), with the in-process `twinzone run` and CLI commands in child
// processes: the daily cap counts automatic failovers only and holds against flapping, and
// every hold-back reason is `run`'s exact WARN line and twinzone_failover_blocked. The failover
// section is changed by rewriting the config file (the controller reloads it by itself).

// startHoldLab starts the lab and `run` with the failover section fo; regKeyEnv names the
// variable holding the registrar's TSIG secret (a wrong one: the parent refuses every change).
func startHoldLab(t *testing.T, fo, regKeyEnv string) *levelLab {
	t.Helper()
	if testing.Short() {
		t.Skip("lab test: -short")
	}
	tl := lab.Start(t, lab.Options{})
	l := &levelLab{normal: tl.Normal, log: &syncBuffer{}, parent: tl.Parent, bind: tl.Primary, knot: tl.Secondary}
	l.parentAddr = []netip.AddrPort{l.parent.AddrPort()}
	port, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l.listen = fmt.Sprintf("127.0.0.1:%d", port)
	l.dir = t.TempDir()
	t.Setenv("TZ_HOLD_TSIG", tl.Key.Secret)
	t.Setenv("TZ_HOLD_WRONG", "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMDE=")
	l.conf = filepath.Join(l.dir, "twinzone.yaml")
	writeFiles(t, l.dir, map[string]string{"twinzone.yaml": holdConfig(l, fo, regKeyEnv), "example.test.zone": labZoneFile})
	if code, out := runChild(t, "sync", "--config", l.conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "run", "--config", l.conf, "--sync-interval", "0"}, &syncBuffer{}, l.log)
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

// holdConfig is the lab's config with the failover section fo (a YAML flow mapping's body).
func holdConfig(l *levelLab, fo, regKeyEnv string) string {
	return fmt.Sprintf(`state_dir: state
controller: {listen: "%[5]s"}
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_HOLD_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_HOLD_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${%[7]s}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 1s, timeout: 800ms, fail_after: 2, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {propagation_timeout: 10s, retry_every: 2s, require_in_sync: true, %[6]s}
`, l.bind.Addr, l.knot.Addr, l.parent.Addr, dnsserver.TestKey.Name, l.listen, fo, regKeyEnv)
}

// reload rewrites the failover section and waits until `run` says it is in force.
func (l *levelLab) reload(t *testing.T, fo, regKeyEnv string) {
	t.Helper()
	const msg = `msg="config reloaded: new failover settings in force"`
	n := len(holdFind(l.log.String(), msg))
	if err := os.WriteFile(l.conf, []byte(holdConfig(l, fo, regKeyEnv)), 0o600); err != nil {
		t.Fatal(err)
	}
	l.waitCount(t, 20*time.Second, n+1, msg)
	// Only the failover section changed: in force without a restart.
	if got := holdFind(l.log.String(), "restart `twinzone run` to apply it"); len(got) != 0 {
		t.Fatalf("a change of the failover section asks for a restart:\n%s", strings.Join(got, "\n"))
	}
}

// waitCount polls run's log until n lines hold every one of subs.
func (l *levelLab) waitCount(t *testing.T, limit time.Duration, n int, subs ...string) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if len(holdFind(l.log.String(), subs...)) >= n {
			return
		}
	}
	t.Fatalf("twinzone run logged fewer than %d lines with %q within %s\n%s", n, subs, limit, lastLines(l.log.String(), 40))
}

// holdFind returns the lines of log holding every one of subs, without their time= field.
func holdFind(log string, subs ...string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			if strings.HasPrefix(line, "time=") {
				if i := strings.IndexByte(line, ' '); i > 0 {
					line = line[i+1:]
				}
			}
			out = append(out, line)
		}
	}
	return out
}

// holdPrefix is the WARN line of a hold-back of a change wanted towards providers, up to its
// detail (time= field left out); holdLine the whole line.
func holdPrefix(reason failover.Hold, wanted failover.Kind, providers string) string {
	return fmt.Sprintf(`level=WARN msg="failover held back" zone=example.test. reason=%s wanted=%s providers=[%s] detail=`, reason, wanted, providers)
}

func holdLine(reason failover.Hold, wanted failover.Kind, providers, detail string) string {
	return holdPrefix(reason, wanted, providers) + strconv.Quote(detail)
}

// expectHold waits until `run` holds a change back for reason and checks that the metric
// twinzone_failover_blocked is 1 for reason and 0 for every other one, and, three rounds
// later, that there are n lines of it in all (once per state change, not per round) and the
// newest one matches (want describes the match).
func (l *levelLab) expectHold(t *testing.T, reason failover.Hold, n int, match func(string) bool, want string) {
	t.Helper()
	prefix := `msg="failover held back" zone=example.test. reason=` + string(reason) + " "
	l.waitCount(t, 30*time.Second, n, prefix)
	var metrics []string
	for _, h := range failover.Holds {
		v := 0
		if h == reason {
			v = 1
		}
		metrics = append(metrics, fmt.Sprintf(`twinzone_failover_blocked{reason="%s",zone="example.test."} %d`, h, v))
	}
	waitMetrics(t, l.listen, 10*time.Second, metrics...)
	l.waitRounds(t, 3)
	lines := holdFind(l.log.String(), prefix)
	if len(lines) != n || !match(lines[n-1]) {
		t.Fatalf("want %d hold-back lines for %s, the last one\n%s\ngot:\n%s\n--- run ---\n%s", n, reason, want, strings.Join(lines, "\n"), lastLines(l.log.String(), 30))
	}
}

func exact(want string) func(string) bool { return func(s string) bool { return s == want } }

// waitRounds waits until `run` has probed n more rounds (twinzone_probe_results_total of both
// providers, one address each, grows by 2 a round).
func (l *levelLab) waitRounds(t *testing.T, n int) {
	t.Helper()
	start := l.probes(t)
	for deadline := time.Now().Add(time.Duration(n)*10*time.Second + 10*time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if l.probes(t) >= start+2*n {
			return
		}
	}
	t.Fatalf("run probed fewer than %d rounds", n)
}

func (l *levelLab) probes(t *testing.T) int {
	t.Helper()
	sum := 0
	for _, line := range strings.Split(httpGet(t, "http://"+l.listen+"/metrics"), "\n") {
		if strings.HasPrefix(line, "twinzone_probe_results_total{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += int(v)
		}
	}
	return sum
}

// child runs a twinzone command in another process and wants exit 0.
func (l *levelLab) child(t *testing.T, args ...string) {
	t.Helper()
	if code, out := runChild(t, append(args, "--config", l.conf)...); code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, out)
	}
}

// TestLabDailyCapCountsAutomaticOnly: max_per_day 1. Two manual failovers and failbacks in
// the morning (CLI, another process) do not use the cap up: the primary dies, `run` fails
// over. The primary comes back: held back (failback: manual), then, with failback: auto, by
// the cooldown; with cooldown 0 `run` fails back by itself; the primary dies again: exactly
// one automatic failover today, the second is held back by the daily cap.
func TestLabDailyCapCountsAutomaticOnly(t *testing.T) {
	if now := time.Now().UTC(); now.Add(5*time.Minute).Day() != now.Day() {
		t.Skip("within 5 minutes of midnight UTC: the daily cap's day would change during the test")
	}
	l := startHoldLab(t, "max_per_day: 1, failback: manual", "TZ_HOLD_TSIG")
	primary, secondary := []string{lab.PrimaryNS}, []string{lab.SecondaryNS}
	wantFB := holdLine(failover.HoldManualFailback, failover.Restore, "bind", "failback is manual: run `twinzone failback`")
	for i := range 2 {
		l.child(t, "failover", "--yes")
		l.waitParent(t, "manual failover", secondary, 10*time.Second)
		// `run` sees it and wants the healthy primary back: failback is manual.
		l.expectHold(t, failover.HoldManualFailback, i+1, exact(wantFB), wantFB)
		l.child(t, "failback", "--yes")
		l.waitParent(t, "manual failback", primary, 10*time.Second)
		l.waitCount(t, 20*time.Second, i+1, `msg="failover no longer held back"`, "was=manual_failback")
	}
	l.bind.Stop()
	l.waitParent(t, "primary dead after two manual failovers", secondary, 30*time.Second)
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_failovers_total{kind="failover",zone="example.test."} 1`)

	l.bind.Start()
	l.expectHold(t, failover.HoldManualFailback, 3, exact(wantFB), wantFB)
	l.reload(t, "max_per_day: 1, failback: auto", "TZ_HOLD_TSIG") // cooldown: the default 1 h
	cool := regexp.MustCompile(`^` + regexp.QuoteMeta(holdPrefix(failover.HoldCooldown, failover.Restore, "bind")) +
		`"cooldown: last change at (\S+), next allowed at (\S+)"$`)
	coolOK := func(s string) bool {
		m := cool.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		last, err1 := time.Parse(time.RFC3339, m[1])
		next, err2 := time.Parse(time.RFC3339, m[2])
		return err1 == nil && err2 == nil && next.Sub(last) == time.Hour && time.Since(last) < 5*time.Minute
	}
	l.expectHold(t, failover.HoldCooldown, 1, coolOK, cool.String())
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, secondary) {
		t.Fatalf("during the cooldown the parent publishes %v", got)
	}
	l.reload(t, "max_per_day: 1, failback: auto, cooldown: 0s", "TZ_HOLD_TSIG")
	l.waitParent(t, "automatic failback", primary, 30*time.Second)

	l.bind.Stop() // the flap: dead again
	wantCap := holdLine(failover.HoldDailyCap, failover.Failover, "knot", "daily cap: 1 automatic failovers today (UTC)")
	l.expectHold(t, failover.HoldDailyCap, 1, exact(wantCap), wantCap)
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, primary) {
		t.Fatalf("the daily cap did not hold: the parent publishes %v", got)
	}
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_failovers_total{kind="failover",zone="example.test."} 1`,
		`twinzone_failovers_total{kind="failback",zone="example.test."} 1`)
}

// TestLabHoldBackReasons: the other hold-back reasons, each produced for real: auto off (the
// primary dies, failover.auto false); preflight refused (auto on again, the secondary serves an
// older stamp); registrar error (the secondary fixed, the parent refuses the registrar's TSIG
// key); cut off (the secondary stops too: nothing answers, no control targets).
func TestLabHoldBackReasons(t *testing.T) {
	l := startHoldLab(t, "auto: false", "TZ_HOLD_WRONG")
	l.bind.Stop()
	wantOff := holdLine(failover.HoldAutoOff, failover.Failover, "knot", "automatic failover disabled")
	l.expectHold(t, failover.HoldAutoOff, 1, exact(wantOff), wantOff)

	good := serverTXT(t, l.knot.Addr, "_twinzone.example.test.")
	if good == "" {
		t.Fatal("the secondary serves no stamp after sync")
	}
	old := "v=tz2 g=0 h=" + strings.Repeat("e", 64) // a version older than the zone file's (serial 1)
	setTXT(t, l.knot.Addr, "_twinzone.example.test.", old)
	l.reload(t, "auto: true", "TZ_HOLD_WRONG")
	cur, ok := stamp.Parse(good)
	if !ok {
		t.Fatalf("the secondary's stamp %q does not parse", good)
	}
	wantPre := holdLine(failover.HoldPreflight, failover.Failover, "knot", fmt.Sprintf(
		"example.test.: preflight refused: knot: ns2.example.test. (%s) serves stamp g=0/eeeeeeeeeeee, want %s: out of sync", l.knot.Addr, cur.Short()))
	l.expectHold(t, failover.HoldPreflight, 1, exact(wantPre), wantPre)

	setTXT(t, l.knot.Addr, "_twinzone.example.test.", good)
	wantReg := holdLine(failover.HoldRegistrar, failover.Failover, "knot", fmt.Sprintf(
		"example.test.: registrar: rfc2136 registrar: NS example.test. @%s: dns: bad authentication", l.parent.Addr))
	l.expectHold(t, failover.HoldRegistrar, 1, exact(wantReg), wantReg)
	if got := parentNS(t, l.parentAddr); !slices.Equal(got, []string{lab.PrimaryNS}) {
		t.Fatalf("the parent publishes %v after refused changes", got)
	}

	l.knot.Stop()
	wantCut := holdLine(failover.HoldCutOff, failover.Failover, "knot", "controller cut off: reporting only")
	l.expectHold(t, failover.HoldCutOff, 1, exact(wantCut), wantCut)
	waitMetrics(t, l.listen, 10*time.Second, `twinzone_cut_off{zone="example.test."} 1`)
}

// serverTXT asks server (RD=0) for name's TXT strings, joined.
func serverTXT(t *testing.T, server, name string) string {
	t.Helper()
	c := &dns.Client{Timeout: 2 * time.Second}
	for range 3 {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeTXT)
		r, _, err := c.Exchange(m, server)
		if err != nil {
			continue
		}
		for _, rr := range r.Answer {
			if txt, ok := rr.(*dns.TXT); ok {
				return strings.Join(txt.Txt, "")
			}
		}
		return ""
	}
	return ""
}

// setTXT replaces name's TXT record at server with a TSIG-signed UPDATE of example.test.
func setTXT(t *testing.T, server, name, text string) {
	t.Helper()
	key := dnsserver.TestKey
	m := new(dns.Msg)
	m.SetUpdate(lab.Zone)
	m.RemoveRRset([]dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}}})
	m.Insert([]dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{text}}})
	m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{key.Name: key.Secret}}
	r, _, err := c.Exchange(m, server)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update of %s at %s: %v %v", name, server, err, r)
	}
	if got := serverTXT(t, server, name); got != text {
		t.Fatalf("after the update %s serves %q, want %q", server, got, text)
	}
}
