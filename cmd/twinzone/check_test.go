package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestCheckCommand runs `twinzone check` against in-process servers: two providers (zonefile
// adapters, served by probetest servers) and a parent. Without the sync stamp the report is
// not ready (exit 1, a fail line with its fix); once both serve the zone file's stamp it is
// ready (exit 0), with warnings only. --format json carries the same verdict.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	const zoneText = "$ORIGIN check.test.\n$TTL 300\n@ IN SOA ns1.check.test. h.check.test. 1 7200 3600 1209600 300\n" +
		"@ IN NS ns1.check.test.\n@ IN A 192.0.2.1\nwww IN A 192.0.2.2\n"
	a, b := probetest.Start(t, "check.test."), probetest.Start(t, "check.test.")
	parent := probetest.Start(t, "test.")
	for _, s := range []*probetest.Server{a, b, parent} {
		ttl := uint32(300)
		if s == parent {
			ttl = 172800
		}
		s.AddRecords(&dns.NS{Hdr: dns.RR_Header{Name: "check.test.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: ttl}, Ns: "ns1.a.test."})
	}
	writeFiles(t, dir, map[string]string{
		"check.test.zone": zoneText,
		"twinzone.yaml": fmt.Sprintf(`providers:
  a: {type: zonefile, path: a/check.test.zone}
  b: {type: zonefile, path: b/check.test.zone}
zones:
  - name: check.test.
    file: check.test.zone
    primary:   {provider: a, nameservers: ["ns1.a.test.=%s"]}
    secondary: {provider: b, nameservers: ["ns1.b.test.=%s"]}
    mode: switch
`, a.Addr, b.Addr),
	})
	conf := filepath.Join(dir, "twinzone.yaml")
	args := []string{"check", "--config", conf, "--parent-server", parent.Addr.String()}

	code, out, stderr := runCLI(t, args...)
	if code != exitError {
		t.Fatalf("check without stamps: exit %d, want 1\n%s%s", code, out, stderr)
	}
	mustContain(t, "check output", out, "fail  check.test.  stamp  b: secondary provider b does not serve the current sync stamp",
		"fix: run `twinzone sync`", "warn  check.test.  ns-ttl-parent", "48h0m0s", "not ready: 2 fail")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "ok ") && !strings.HasPrefix(line, "warn ") && !strings.HasPrefix(line, "fail ") && !strings.HasPrefix(line, "not ready:") {
			t.Errorf("line without a severity: %q", line)
		}
	}

	z, err := zone.ParseFile(filepath.Join(dir, "check.test.zone"), "check.test.")
	if err != nil {
		t.Fatal(err)
	}
	a.SetStamp(plan.StampHash(z.RRsets))
	b.SetStamp(plan.StampHash(z.RRsets))
	code, out, stderr = runCLI(t, append(args, "--format", "json")...)
	if code != exitOK {
		t.Fatalf("check with stamps: exit %d, want 0\n%s%s", code, out, stderr)
	}
	var rep struct {
		Ready    bool           `json:"ready"`
		Summary  map[string]int `json:"summary"`
		Findings []struct {
			Check, Severity, Subject string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if !rep.Ready || rep.Summary["fail"] != 0 || rep.Summary["warn"] == 0 {
		t.Errorf("report: %+v", rep)
	}
	stamps := 0
	for _, f := range rep.Findings {
		if f.Check == "stamp" && f.Severity == "ok" {
			stamps++
		}
	}
	if stamps != 2 {
		t.Errorf("%d ok stamp findings, want 2: %+v", stamps, rep.Findings)
	}

	if code, _, stderr := runCLI(t, "check", "--config", conf, "--format", "yaml"); code != exitError || !strings.Contains(stderr, "want text or json") {
		t.Errorf("bad --format: exit %d, %s", code, stderr)
	}
}
