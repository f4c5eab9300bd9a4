package main

import (
	"encoding/json"
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
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// TestImportOnAFreshSetup: a config whose zone file does not exist yet (import is how it comes
// to exist), flags after the provider name (as import's own error message suggests), and the
// zone's ignore rules honoured; then validate accepts the result.
func TestImportOnAFreshSetup(t *testing.T) {
	dir := t.TempDir()
	cfg := twoFilesConfig + "    ignore: [{name: \"_acme-challenge.*\", type: TXT}]\n"
	served := "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ 300 IN NS ns1.example.net.\n" +
		"www 300 IN A 192.0.2.1\n_acme-challenge 60 IN TXT \"token-from-certbot\"\n_acme-challenge.www 60 IN TXT \"another\"\n"
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "a/example.com.zone": served})
	conf := filepath.Join(dir, "twinzone.yaml")
	out := filepath.Join(dir, "example.com.zone")

	if code, _, stderr := runCLI(t, "validate", "--config", conf); code != exitError || !strings.Contains(stderr, "twinzone import") {
		t.Fatalf("validate before import: exit %d, want 1 with a pointer to import:\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "import", "a", "--config", conf, "--zone", "example.com.", "--output", out)
	if code != 0 {
		t.Fatalf("import on a fresh setup: exit %d\n%s%s", code, stdout, stderr)
	}
	mustContain(t, "import", stderr, "left out by the zone's ignore rules: 2 RRsets", "wrote ")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "192.0.2.1") || strings.Contains(string(b), "token-from-certbot") || strings.Contains(string(b), "another") {
		t.Fatalf("imported zone file:\n%s", b)
	}
	if code, stdout, stderr := runCLI(t, "validate", "--config", conf); code != 0 {
		t.Fatalf("validate after import: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestFirstDelegation: on a fresh active-active setup the parent lists only the primary;
// status says the secondary was never delegated (not "failed over") and names the command,
// and that command, `twinzone failback`, makes the first delegation.
func TestFirstDelegation(t *testing.T) {
	key := dnsserver.TestKey
	parent := dnsserver.StartKnot(t, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: "test.", Text: `$ORIGIN test.
@ 60 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 60
@ 60 IN NS ns.test.
ns 60 IN A 127.0.0.1
example 60 IN NS ns1.pri.example.
`}}})
	pri, sec := probetest.Start(t, e2eOrigin), probetest.Start(t, e2eOrigin)
	dir := t.TempDir()
	t.Setenv("TZ_FIRST_TSIG", key.Secret)
	cfg := fmt.Sprintf(`providers:
  pri: {type: rfc2136, server: "127.0.0.1:1"}
  sec: {type: rfc2136, server: "127.0.0.1:1"}
registrars:
  parent: {type: rfc2136, server: "%[2]s", zone: test., key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_FIRST_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: pri, nameservers: ["ns1.pri.example.=%[3]s"]}
    secondary: {provider: sec, nameservers: ["ns1.sec.example.=%[4]s"]}
    registrar: parent
    mode: active-active
    probe: {interval: 5s, timeout: 2s}
    failover: {propagation_timeout: 5s}
`, key.Name, parent.Addr, pri.Addr, sec.Addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	z, err := zone.ParseFile(filepath.Join(dir, "example.test.zone"), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	pri.SetStamp(plan.StampHash(z.RRsets))
	sec.SetStamp(plan.StampHash(z.RRsets))

	code, out, stderr := runCLI(t, "status", "--config", conf)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "status on a fresh setup", out, "never delegated", "sec never delegated", "`twinzone failback`")
	if strings.Contains(out, "failed over") {
		t.Fatalf("a fresh setup shown as failed over:\n%s", out)
	}
	if code, out, stderr = runCLI(t, "failback", "--config", conf, "--yes"); code != 0 {
		t.Fatalf("failback (the first delegation): exit %d\n%s%s", code, out, stderr)
	}
	if got := parentNS(t, []netip.AddrPort{parent.AddrPort()}); !slices.Equal(got, []string{"ns1.pri.example.", "ns1.sec.example."}) {
		t.Fatalf("after the first delegation the parent publishes %v", got)
	}
	code, out, _ = runCLI(t, "status", "--config", conf, "--format", "json")
	var st []zoneStatus
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st) != 1 || st[0].State != "normal" || st[0].Next != "" {
		t.Fatalf("status after the first delegation: exit %d %v\n%s", code, err, out)
	}
}

// TestImportSaysWhatItLeavesOut: importing from Route 53 (its emulator) names the alias
// record, which has no zone-file form, instead of dropping it silently.
func TestImportSaysWhatItLeavesOut(t *testing.T) {
	r53, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer r53.Close()
	id, err := r53.AddZone("cloud.test.", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []r53emu.RRset{
		{Name: "www.cloud.test.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
		{Name: "cdn.cloud.test.", Type: "A", Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111111abcdef8.cloudfront.net."}},
	} {
		if err := r53.Put(id, s); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	t.Setenv("TZ_IMP_AWS_ID", "AKIAIMPORTTEST000001")
	t.Setenv("TZ_IMP_AWS_SECRET", "import/test/secret/key/0123456789")
	writeFiles(t, dir, map[string]string{"twinzone.yaml": fmt.Sprintf(`providers:
  r53: {type: route53, hosted_zone_id: %s, access_key_id: "${TZ_IMP_AWS_ID}", secret_access_key: "${TZ_IMP_AWS_SECRET}", endpoint: "%s"}
  file: {type: zonefile, path: served.zone}
zones:
  - name: cloud.test.
    file: cloud.test.zone
    primary:   {provider: r53, nameservers: ["ns-1.awsdns-01.com.=127.0.0.1:5301"]}
    secondary: {provider: file, nameservers: ["ns1.file.test.=127.0.0.1:5302"]}
`, id, r53.URL())})
	out := filepath.Join(dir, "cloud.test.zone")
	code, stdout, stderr := runCLI(t, "import", "r53", "--config", filepath.Join(dir, "twinzone.yaml"), "-o", out)
	if code != 0 {
		t.Fatalf("import from Route 53: exit %d\n%s%s", code, stdout, stderr)
	}
	mustContain(t, "import from Route 53", stderr, "left out", "cdn.cloud.test. A")
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "192.0.2.1") || strings.Contains(string(b), "cdn") {
		t.Fatalf("imported zone file (%v):\n%s", err, b)
	}
}
