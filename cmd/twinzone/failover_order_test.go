package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestManualChangeAtTheTerminal types `twinzone failover` in a real terminal (tmux) against the
// recording registrar: the preflight is on the screen before the question; "no" changes
// nothing and says what to do next; a refused preflight never asks; "yes" makes the change.
func TestManualChangeAtTheTerminal(t *testing.T) {
	tmux := needBinary(t, "tmux")
	needBinary(t, "bash")
	lab := startRecorderLab(t, "")
	s := startTmuxShell(t, tmux, lab.env, "bash", "--norc", "--noprofile", "-i")
	step := func(typed string, wants ...string) string {
		t.Helper()
		s.run("clear-history")
		s.typeText("clear", "Enter")
		s.typeText(typed, "Enter")
		screen, missing := s.waitFor(wants...)
		if missing != "" {
			t.Fatalf("%s: %q never appeared:\n%s", typed, missing, screen)
		}
		return screen
	}
	answer := func(typed string, wants ...string) string {
		t.Helper()
		s.typeText(typed, "Enter")
		screen, missing := s.waitFor(wants...)
		if missing != "" {
			t.Fatalf("answer %s: %q never appeared:\n%s", typed, missing, screen)
		}
		return screen
	}
	s.typeText("cd "+lab.dir+"; echo RE\"\"ADY", "Enter")
	if screen, missing := s.waitFor("\nREADY"); missing != "" {
		t.Fatalf("setup: %q never appeared:\n%s", missing, screen)
	}

	screen := step("twinzone failover", "type yes")
	pre, ask := strings.Index(screen, "preflight: ok"), strings.Index(screen, "type yes")
	if pre < 0 || pre > ask || !strings.Contains(screen[:ask], "registrar recorder (exec): cannot be checked") {
		t.Fatalf("the preflight and the registrar check must be shown before the question:\n%s", screen)
	}
	screen = answer("no", "not confirmed: nothing changed", "next:", "type yes, or add --yes")
	lab.noCalls("after answering no\n" + screen)

	lab.sec.SetStamp("00" + lab.hash[2:])
	screen = step("twinzone failover", "preflight refused", "next:", "--force", "$ ")
	if strings.Contains(screen, "type yes") {
		t.Fatalf("a refused preflight must not ask for confirmation:\n%s", screen)
	}
	lab.noCalls("after a refused preflight\n" + screen)

	lab.sec.SetStamp(lab.hash)
	step("twinzone failover", "type yes")
	screen = answer("yes", "done at the registrar")
	s.settle()
	if b, err := os.ReadFile(lab.calls); err != nil || strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), "ns1.sec.example.") {
		t.Fatalf("after yes: the registrar calls are %q (%v), want one with ns1.sec.example.\n%s", b, err, screen)
	}
}

// TestManualChangeRegistrarFails: a registrar that refuses ends the failover with the error
// and what to do next, including the NS set to enter by hand.
func TestManualChangeRegistrarFails(t *testing.T) {
	lab := startRecorderLab(t, "echo registrar says no >&2; exit 1")
	code, out, stderr := runCLI(t, "failover", "--config", lab.conf, "--yes")
	if code != exitError {
		t.Fatalf("failover with a refusing registrar: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "refusing registrar", out+stderr, "preflight: ok", "failover not done", "registrar says no",
		"next:", "twinzone check", "set the nameservers by hand at the registrar: ns1.sec.example.")
}

// TestFailoverDryRunChecksRegistrar: --dry-run reads the NS set from the registrar (the rfc2136
// parent, Knot), so a wrong key fails the dry run instead of the real failover.
func TestFailoverDryRunChecksRegistrar(t *testing.T) {
	key := dnsserver.TestKey
	parent := dnsserver.StartKnot(t, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: "test.", Text: `$ORIGIN test.
@ 60 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 60
@ 60 IN NS ns.test.
ns 60 IN A 127.0.0.1
example 60 IN NS ns1.pri.example.
`}}})
	pri := probetest.Start(t, e2eOrigin)
	sec := probetest.Start(t, e2eOrigin)
	dir := t.TempDir()
	t.Setenv("TZ_DRY_TSIG", key.Secret)
	t.Setenv("TZ_DRY_WRONG", "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBzZWNyZXQ=")
	cfg := func(secret string) string {
		return fmt.Sprintf(`providers:
  pri: {type: rfc2136, server: "127.0.0.1:1", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_DRY_TSIG}"}
  sec: {type: rfc2136, server: "127.0.0.1:1", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_DRY_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[2]s", zone: test., key_name: %[1]s, key_alg: hmac-sha256, key: "${%[5]s}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: pri, nameservers: ["ns1.pri.example.=%[3]s"]}
    secondary: {provider: sec, nameservers: ["ns1.sec.example.=%[4]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 5s, timeout: 2s}
    failover: {propagation_timeout: 5s}
`, key.Name, parent.Addr, pri.Addr, sec.Addr, secret)
	}
	writeFiles(t, dir, map[string]string{"wrong.yaml": cfg("TZ_DRY_WRONG"), "right.yaml": cfg("TZ_DRY_TSIG"), "example.test.zone": labZoneFile})
	z, err := zone.ParseFile(filepath.Join(dir, "example.test.zone"), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	pri.SetStamp(plan.StampHash(z.RRsets))
	sec.SetStamp(plan.StampHash(z.RRsets))

	code, out, stderr := runCLI(t, "failover", "--config", filepath.Join(dir, "wrong.yaml"), "--dry-run")
	if code != exitError {
		t.Fatalf("failover --dry-run with a wrong registrar key: exit %d, want %d\n%s%s", code, exitError, out, stderr)
	}
	mustContain(t, "dry run, wrong key", out+stderr, "preflight: ok", "registrar check failed", "registrar parent", "next:")
	if strings.Contains(out+stderr, os.Getenv("TZ_DRY_WRONG")) || strings.Contains(out+stderr, key.Secret) {
		t.Fatalf("a key in the output:\n%s%s", out, stderr)
	}

	code, out, stderr = runCLI(t, "failover", "--config", filepath.Join(dir, "right.yaml"), "--dry-run")
	if code != 0 {
		t.Fatalf("failover --dry-run: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "dry run", out, "preflight: ok", "registrar parent: answers; it has ns1.pri.example.", "dry run: nothing changed")
	if got := parentNS(t, []netip.AddrPort{parent.AddrPort()}); !slices.Equal(got, []string{"ns1.pri.example."}) {
		t.Fatalf("after dry runs the parent publishes %v", got)
	}
}
