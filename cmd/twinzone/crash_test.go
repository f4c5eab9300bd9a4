package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// The crash tests run twinzone as a real child process (this test binary re-executed with
// crashHelperEnv set, which runs the CLI's run function and exits) and kill it with SIGKILL at
// random points. After each kill they check what must survive any crash: the state file and
// journal read back, the lock is free, every RRset a server holds is either the old or the new
// version, and the next run converges.

const (
	crashHelperEnv = "TWINZONE_CRASH_HELPER_ARGS" // the CLI arguments as a JSON array
	crashRecords   = 1800                         // host A records; plus TXT and only-even-gen names: ~2,100
)

// TestCrashHelper is the child process of the crash tests; it does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	argv := os.Getenv(crashHelperEnv)
	if argv == "" {
		t.Skip("helper process of the crash tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(argv), &args); err != nil {
		t.Fatal(err)
	}
	code := run(context.Background(), args, os.Stdout, os.Stderr)
	os.Exit(code)
}

// crashChild starts `twinzone args...` as a child process; its output goes to out.
func crashChild(t *testing.T, out *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	argv, err := json.Marshal(append([]string{"twinzone"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+string(argv))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// runChild runs twinzone to completion in a child process and returns its exit status.
func runChild(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := crashChild(t, &out, args...)
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// killAfter runs twinzone in a child process and sends it SIGKILL after d. It reports whether
// the process was still running when killed (false: it finished first).
func killAfter(t *testing.T, d time.Duration, args ...string) (killed bool, output string) {
	t.Helper()
	var out bytes.Buffer
	cmd := crashChild(t, &out, args...)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false, out.String()
	case <-time.After(d):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, out.String()
		}
	}
	return false, out.String()
}

// crashZone is generation gen of a ~2,100-record zone: every host A record and every TXT
// changes from one generation to the next, and the only%d names exist in even generations.
func crashZone(gen int) string {
	var b strings.Builder
	b.WriteString("$ORIGIN example.test.\n$TTL 300\n" +
		"@ 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300\n" +
		"@ IN NS ns1.example.test.\nns1 IN A 127.0.0.1\n")
	for i := range crashRecords {
		fmt.Fprintf(&b, "host%d IN A 10.%d.%d.%d\n", i, gen%200, i/250, i%250)
		if i%10 == 0 {
			fmt.Fprintf(&b, "txt%d IN TXT \"gen %d\" \"item %d\"\n", i, gen, i)
		}
	}
	if gen%2 == 0 {
		for i := range 120 {
			fmt.Fprintf(&b, "only%d IN A 192.0.2.%d\n", i, i+1)
		}
	}
	return b.String()
}

// checkOldOrNew returns the RRsets a server holds that are neither their old nor their new
// version (a name present in both versions must never be missing).
func checkOldOrNew(old, new, got []zone.RRset) (bad []string, asOld, asNew int) {
	o, n := index(old), index(new)
	g := index(got)
	keys := map[zone.Key]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	for k := range keys {
		os, inOld := o[k]
		ns, inNew := n[k]
		gs, has := g[k]
		isOld := (inOld && has && gs.Equal(os)) || (!inOld && !has)
		isNew := (inNew && has && gs.Equal(ns)) || (!inNew && !has)
		switch {
		case isOld && isNew:
		case isOld:
			asOld++
		case isNew:
			asNew++
		case !has:
			bad = append(bad, "lost "+k.String())
		default:
			bad = append(bad, fmt.Sprintf("%s is %q: neither old %q nor new %q", k, gs.Values, os.Values, ns.Values))
		}
	}
	return bad, asOld, asNew
}

func index(sets []zone.RRset) map[zone.Key]zone.RRset {
	m := make(map[zone.Key]zone.RRset, len(sets))
	for _, s := range sets {
		m[s.Key()] = s
	}
	return m
}

// checkStateDir opens the state directory the way twinzone does and reads everything back: a
// torn last journal line is tolerated (skipped), any other unreadable line is an error. It
// returns the journal's events.
func checkStateDir(t *testing.T, dir string) []state.Event {
	t.Helper()
	st, err := state.Open(dir)
	if err != nil {
		t.Fatalf("state.Open after kill: %v", err)
	}
	if _, err := st.Load(); err != nil {
		t.Fatalf("state file unreadable after kill: %v", err)
	}
	evs, err := st.Events("", 0)
	if err != nil {
		t.Fatalf("journal unreadable after kill: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, state.JournalFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var ev state.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil && !(i == len(lines)-1 && !strings.HasSuffix(string(b), "\n")) {
			t.Errorf("journal line %d unreadable (not a torn last line): %v\n%.200s", i+1, err, line)
		}
	}
	// The OS released the dead process's flock: the lock is free.
	lk, err := st.TryLock()
	if err != nil {
		t.Fatalf("lock not free after kill -9: %v", err)
	}
	if err := lk.Unlock(); err != nil {
		t.Fatal(err)
	}
	return evs
}

func crashIterations() int {
	if testing.Short() {
		return 2
	}
	return 8
}

// TestCrashDuringSync kills `twinzone sync` (rfc2136 to real BIND and Knot, 20 changes an
// UPDATE, ~2,100 RRsets all changing) at random points, eight times.
func TestCrashDuringSync(t *testing.T) {
	initial := "$ORIGIN example.test.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 127.0.0.1\n"
	opts := dnsserver.Options{Zones: []dnsserver.Zone{{Origin: e2eOrigin, Text: initial}}, Key: &dnsserver.TestKey}
	bind := dnsserver.StartBIND(t, opts)
	knot := dnsserver.StartKnot(t, opts)

	dir := t.TempDir()
	t.Setenv("TZ_CRASH_TSIG", dnsserver.TestKey.Secret)
	cfg := fmt.Sprintf(`state_dir: state
providers:
  bind: {type: rfc2136, server: "%s", key_name: %s, key_alg: hmac-sha256, key: "${TZ_CRASH_TSIG}", chunk: 20}
  knot: {type: rfc2136, server: "%s", key_name: %s, key_alg: hmac-sha256, key: "${TZ_CRASH_TSIG}", chunk: 20}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%s"]}
`, bind.Addr, dnsserver.TestKey.Name, knot.Addr, dnsserver.TestKey.Name, bind.Addr, knot.Addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": crashZone(0)})
	conf := filepath.Join(dir, "twinzone.yaml")
	zfile := filepath.Join(dir, "example.test.zone")
	stateDir := filepath.Join(dir, "state")

	// A full sync in a child process sets generation 0 and tells how long a sync takes here.
	start := time.Now()
	if code, out := runChild(t, "sync", "--config", conf, "--force"); code != 0 {
		t.Fatalf("first sync: exit %d\n%s", code, lastLines(out, 30))
	}
	full := time.Since(start)
	t.Logf("a full sync of %d RRsets (both providers, 20 changes an UPDATE) takes %s here", len(desiredOf(t, zfile)), full.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	old := desiredOf(t, zfile)
	killed, mixed := 0, 0
	for it := 1; it <= crashIterations(); it++ {
		writeFiles(t, dir, map[string]string{"example.test.zone": crashZone(it)})
		new := desiredOf(t, zfile)
		delay := time.Duration(rng.Int64N(int64(full)))
		wasKilled, out := killAfter(t, delay, "sync", "--config", conf, "--force", "--log-level", "debug")
		if wasKilled {
			killed++
		}
		checkStateDir(t, stateDir)
		for _, s := range []*dnsserver.Server{bind, knot} {
			bad, asOld, asNew := checkOldOrNew(old, new, axfr(t, s.Addr))
			if len(bad) > 0 {
				t.Fatalf("iteration %d, %s killed after %s: %d RRsets neither old nor new: %v\n%s", it, s.Kind, delay, len(bad), bad[:min(len(bad), 10)], lastLines(out, 20))
			}
			if asOld > 0 && asNew > 0 {
				mixed++
			}
			t.Logf("iteration %d: killed=%v after %s; %s holds %d RRsets old, %d new", it, wasKilled, delay.Round(time.Millisecond), s.Kind, asOld, asNew)
		}
		// The next run gets the lock and converges.
		if code, out := runChild(t, "sync", "--config", conf, "--force"); code != 0 {
			t.Fatalf("iteration %d: sync after the kill: exit %d\n%s", it, code, lastLines(out, 30))
		}
		if code, out := runChild(t, "plan", "--config", conf, "--exit-code"); code != 0 {
			t.Fatalf("iteration %d: plan after the recovery sync: exit %d, want 0\n%s", it, code, lastLines(out, 30))
		}
		for _, s := range []*dnsserver.Server{bind, knot} {
			if d := diffSets(new, axfr(t, s.Addr)); len(d) > 0 {
				t.Fatalf("iteration %d: %s after recovery: %v", it, s.Kind, d[:min(len(d), 10)])
			}
		}
		old = new
	}
	t.Logf("%d kills of twinzone sync mid-run (%d provider copies caught half-applied), 0 RRsets lost or torn", killed, mixed)
	if killed == 0 {
		t.Errorf("no sync was killed while running (every one finished within its random delay)")
	}
}
