package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestFailoverCommands drives probe, failover and failback through the CLI against fake
// authoritative servers and a real parent (Knot, changed through the rfc2136 registrar). The
// DNS providers' APIs point at a closed port: none of these commands may need them.
func TestFailoverCommands(t *testing.T) {
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
	t.Setenv("TZ_CLI_TSIG", key.Secret)
	cfg := fmt.Sprintf(`providers:
  pri: {type: rfc2136, server: "127.0.0.1:1", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_CLI_TSIG}"}
  sec: {type: rfc2136, server: "127.0.0.1:1", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_CLI_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[2]s", zone: test., key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_CLI_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: pri, nameservers: ["ns1.pri.example.=%[3]s"]}
    secondary: {provider: sec, nameservers: ["ns1.sec.example.=%[4]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 5s, timeout: 2s}
    failover: {propagation_timeout: 5s}
`, key.Name, parent.Addr, pri.Addr, sec.Addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	z, err := zone.ParseFile(filepath.Join(dir, "example.test.zone"), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	hash := plan.StampHash(z.RRsets)
	pri.SetStamp(hash)
	sec.SetStamp(hash)
	parentNow := func() []string { return parentNS(t, []netip.AddrPort{parent.AddrPort()}) }
	expectParent := func(when string, want ...string) {
		t.Helper()
		if got := parentNow(); !slices.Equal(got, want) {
			t.Fatalf("%s: the parent publishes %v, want %v", when, got, want)
		}
	}

	code, out, stderr := runCLI(t, "probe", "--config", conf)
	if code != 0 {
		t.Fatalf("probe, all healthy: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "probe", out, "ns1.pri.example.", pri.Addr.String(), "ok/udp", "current")

	pri.SetMode(probetest.Refused)
	code, out, stderr = runCLI(t, "probe", "--config", conf, "--format", "json")
	if code != exitUnhealthy {
		t.Fatalf("probe, primary refusing: exit %d, want %d\n%s%s", code, exitUnhealthy, out, stderr)
	}
	var pj struct {
		Results   []probeResult `json:"results"`
		Unhealthy []string      `json:"unhealthy"`
	}
	if err := json.Unmarshal([]byte(out), &pj); err != nil {
		t.Fatalf("probe --format json: %v\n%s", err, out)
	}
	if len(pj.Results) != 2 || !slices.Equal(pj.Unhealthy, []string{"example.test./pri"}) {
		t.Fatalf("probe json: %+v", pj)
	}

	// Not on a terminal, a change needs --yes.
	code, _, stderr = runCLI(t, "failover", "--config", conf)
	if code != exitError {
		t.Fatalf("failover without --yes: exit %d", code)
	}
	mustContain(t, "failover without --yes", stderr, "--yes")
	expectParent("after a refused confirmation", "ns1.pri.example.")

	// The secondary is out of sync: preflight refuses, and says what to do.
	sec.SetStamp("00" + hash[2:])
	code, out, stderr = runCLI(t, "failover", "--config", conf, "--yes")
	if code != exitError {
		t.Fatalf("failover to a stale secondary: exit %d\n%s", code, out)
	}
	mustContain(t, "failover to a stale secondary", out+stderr, "preflight", "out of sync", "--force")
	expectParent("after a refused preflight", "ns1.pri.example.")

	sec.SetStamp(hash)
	code, out, stderr = runCLI(t, "failover", "--config", conf, "--dry-run")
	if code != 0 {
		t.Fatalf("failover --dry-run: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "failover --dry-run", out, "preflight: ok", "dry run")
	expectParent("after a dry run", "ns1.pri.example.")

	code, out, stderr = runCLI(t, "failover", "--config", conf, "--yes")
	if code != 0 {
		t.Fatalf("failover: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "failover", out, "ns1.sec.example.", "the parent's servers publish it")
	expectParent("after failover", "ns1.sec.example.")

	code, out, _ = runCLI(t, "failover", "--config", conf, "--yes")
	if code != 0 {
		t.Fatalf("second failover: exit %d\n%s", code, out)
	}
	mustContain(t, "second failover", out, "nothing to do")

	// The primary still refuses: failback's preflight refuses unless --force.
	code, out, _ = runCLI(t, "failback", "--config", conf, "--yes")
	if code != exitError {
		t.Fatalf("failback to a refusing primary: exit %d\n%s", code, out)
	}
	expectParent("after a refused failback", "ns1.sec.example.")
	code, out, stderr = runCLI(t, "failback", "--config", conf, "--yes", "--force")
	if code != 0 {
		t.Fatalf("failback --force: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "failback --force", out, "overridden by --force")
	expectParent("after failback", "ns1.pri.example.")

	code, out, stderr = runCLI(t, "status", "--config", conf, "--format", "json")
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	var st []zoneStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) != 1 {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	if !slices.Equal(st[0].Parent, []string{"ns1.pri.example."}) || st[0].State != "normal" || len(st[0].Events) == 0 {
		t.Fatalf("status: %+v", st[0])
	}
}
