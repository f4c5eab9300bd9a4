package main

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// checkFailoverEvents asserts that every failover or failback event in the journal is complete:
// a message that says how it ended and the outcome as evidence (decision and new set).
func checkFailoverEvents(t *testing.T, evs []state.Event) (done int) {
	t.Helper()
	for _, ev := range evs {
		if ev.Kind != state.KindFailover && ev.Kind != state.KindFailback {
			continue
		}
		out, _ := ev.Evidence.(map[string]any)
		dec, _ := out["decision"].(map[string]any)
		if !strings.HasPrefix(ev.Message, ev.Kind+" to ") || out == nil || dec == nil || out["started"] == nil || out["finished"] == nil {
			t.Errorf("half-recorded %s event: %q evidence %v", ev.Kind, ev.Message, ev.Evidence)
			continue
		}
		if applied, _ := out["applied"].(bool); applied {
			done++
		}
	}
	return done
}

// TestCrashDuringFailover kills `twinzone failover` (preflight on real BIND and Knot, the
// rfc2136 registrar updating a real Knot parent, parent polling) at random points. After each
// kill: the state and journal read back, the lock is free, the journal has no half-recorded
// failover, the parent publishes the old or the new NS set (never none, never a mix), and
// running `twinzone failover` again converges (then `failback` restores the normal set).
func TestCrashDuringFailover(t *testing.T) {
	dir, parent := startCrashLab(t)
	conf := filepath.Join(dir, "twinzone.yaml")
	stateDir := filepath.Join(dir, "state")
	parentAddr := []netip.AddrPort{parent.AddrPort()}
	normal, failed := []string{"ns1.example.test."}, []string{"ns2.example.test."}

	if code, out := runChild(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}
	// One full failover and failback in child processes: both work, and their time bounds the
	// random kill delays.
	start := time.Now()
	if code, out := runChild(t, "failover", "--config", conf, "--yes"); code != 0 {
		t.Fatalf("failover: exit %d\n%s", code, out)
	}
	full := time.Since(start)
	if got := parentNS(t, parentAddr); !slices.Equal(got, failed) {
		t.Fatalf("after failover the parent publishes %v, want %v", got, failed)
	}
	if code, out := runChild(t, "failback", "--config", conf, "--yes"); code != 0 {
		t.Fatalf("failback: exit %d\n%s", code, out)
	}
	if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
		t.Fatalf("after failback the parent publishes %v, want %v", got, normal)
	}
	t.Logf("a full `twinzone failover` takes %s here", full.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	killed, changed := 0, 0
	for it := 1; it <= crashIterations(); it++ {
		delay := time.Duration(rng.Int64N(int64(full)))
		wasKilled, out := killAfter(t, delay, "failover", "--config", conf, "--yes", "--log-level", "debug")
		if wasKilled {
			killed++
		}
		evs := checkStateDir(t, stateDir)
		checkFailoverEvents(t, evs)
		got := parentNS(t, parentAddr)
		if !slices.Equal(got, normal) && !slices.Equal(got, failed) {
			t.Fatalf("iteration %d, killed after %s: the parent publishes %v: neither the old %v nor the new %v\n%s", it, delay, got, normal, failed, lastLines(out, 20))
		}
		if wasKilled && slices.Equal(got, failed) {
			changed++
		}
		t.Logf("iteration %d: killed=%v after %s; the parent publishes %v", it, wasKilled, delay.Round(time.Millisecond), got)

		// The next run converges: failover again (it re-applies or finds nothing to do).
		runAgain(t, it, "failover", "--config", conf, "--yes")
		if got := parentNS(t, parentAddr); !slices.Equal(got, failed) {
			t.Fatalf("iteration %d: after the second failover the parent publishes %v, want %v", it, got, failed)
		}
		assertMode(t, stateDir, state.ModeFailedOver)
		runAgain(t, it, "failback", "--config", conf, "--yes")
		if got := parentNS(t, parentAddr); !slices.Equal(got, normal) {
			t.Fatalf("iteration %d: after failback the parent publishes %v, want %v", it, got, normal)
		}
		assertMode(t, stateDir, state.ModeNormal)
	}
	evs := checkStateDir(t, stateDir)
	done := checkFailoverEvents(t, evs)
	t.Logf("%d kills of twinzone failover mid-run (%d of them after the registrar accepted the change); the journal holds %d complete applied failover/failback events and none half-recorded", killed, changed, done)
	if killed == 0 {
		t.Errorf("no failover was killed while running")
	}
}

func assertMode(t *testing.T, dir, want string) {
	t.Helper()
	st, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := st.ZoneHistory(t.Context(), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]string{state.ModeFailedOver: state.ChangeFailover, state.ModeNormal: state.ChangeFailback}[want]
	if last, ok := h.Last(); !ok || last.Kind != kind || !last.Applied || last.Abandoned() {
		t.Errorf("state file: last change %+v, want an applied %s", last, kind)
	}
}

// runAgain runs a command to completion, up to three times: a loaded machine sometimes lets a
// UDP query to the parent time out, which is an error the operator retries, not a crash effect.
func runAgain(t *testing.T, it int, args ...string) {
	t.Helper()
	var out string
	var code int
	for range 3 {
		if code, out = runChild(t, args...); code == 0 {
			return
		}
		t.Logf("iteration %d: %s: exit %d (retrying)\n%s", it, args[0], code, lastLines(out, 5))
	}
	t.Fatalf("iteration %d: %s after the kill: exit %d\n%s", it, args[0], code, out)
}

// TestCrashAfterRegistrarAccepted reproduces the widest crash window of a failover exactly:
// the registrar has accepted the new NS set, and the process dies before the state file and
// journal record it (that window includes the whole wait for the parent, up to
// failover.propagation_timeout). The state and journal are put back to what they were before
// the run, as a kill -9 leaves them. A following `failback` must restore the normal set.
//
// It was a bug: the engine took the current delegation from the state file before the
// registrar and the parent, so failback answered "nothing to do: normal delegation already in
// place" and left the parent on the failover set.
func TestCrashAfterRegistrarAccepted(t *testing.T) {
	dir, parent := startCrashLab(t)
	conf := filepath.Join(dir, "twinzone.yaml")
	stateDir := filepath.Join(dir, "state")
	parentAddr := []netip.AddrPort{parent.AddrPort()}
	normal, failed := []string{"ns1.example.test."}, []string{"ns2.example.test."}
	for _, args := range [][]string{{"sync"}, {"failover", "--yes"}, {"failback", "--yes"}} {
		if code, out, stderr := runCLI(t, append(args, "--config", conf)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	// The state directory as a process killed right after the registrar accepted leaves it.
	saved := map[string][]byte{}
	for _, f := range []string{state.StateFile, state.JournalFile} {
		b, err := os.ReadFile(filepath.Join(stateDir, f))
		if err != nil {
			t.Fatal(err)
		}
		saved[f] = b
	}
	if code, out, stderr := runCLI(t, "failover", "--config", conf, "--yes"); code != 0 {
		t.Fatalf("failover: exit %d\n%s%s", code, out, stderr)
	}
	for f, b := range saved {
		if err := os.WriteFile(filepath.Join(stateDir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := parentNS(t, parentAddr); !slices.Equal(got, failed) {
		t.Fatalf("the parent publishes %v, want the failover set %v", got, failed)
	}
	// Re-running the failover reads the delegation from the parent, not from the state file
	// it lost: the change is already made, nothing to do.
	if code, out, stderr := runCLI(t, "failover", "--config", conf, "--yes"); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Fatalf("failover again: exit %d, want 0 and nothing to do\n%s%s", code, out, stderr)
	}
	// Same start for failback: the state says normal, the parent publishes the failover set.
	for f, b := range saved {
		if err := os.WriteFile(filepath.Join(stateDir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, stderr := runCLI(t, "failback", "--config", conf, "--yes")
	if got := parentNS(t, parentAddr); code != 0 || !slices.Equal(got, normal) {
		t.Fatalf("failback after a crash that left the state behind the parent: exit %d, the parent publishes %v, want %v\n%s%s", code, got, normal, out, stderr)
	}
	assertMode(t, stateDir, state.ModeNormal)
}

// startCrashLab starts a Knot parent for test., BIND and Knot serving example.test., and writes
// a switch-mode config (manual failover, rfc2136 registrar on the parent) into a temp dir.
func startCrashLab(t *testing.T) (dir string, parent *dnsserver.Server) {
	t.Helper()
	tl := lab.Start(t, lab.Options{})
	key, bind, knot := tl.Key, tl.Primary, tl.Secondary
	parent = tl.Parent

	dir = t.TempDir()
	t.Setenv("TZ_CRASH_TSIG", key.Secret)
	cfg := fmt.Sprintf(`state_dir: state
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_CRASH_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_CRASH_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_CRASH_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 1s, timeout: 500ms, fail_after: 2, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: false, cooldown: 0s, max_per_day: 1000, failback: manual, require_in_sync: true, propagation_timeout: 10s}
`, bind.Addr, knot.Addr, parent.Addr, key.Name)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	return dir, parent
}
