package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// vfChild is what the hidden primary (BIND) holds before the first sync: SOA and apex NS.
const vfChild = `$ORIGIN example.test.
@ 60 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 60
@ 60 IN NS ns1.example.test.
@ 60 IN NS ns2.example.test.
ns1 60 IN A 127.0.0.1
ns2 60 IN A 127.0.0.1
`

// TestVerifyOnlySecondary is the acceptance of verify-only secondaries on real servers: BIND
// is the primary twinzone writes (RFC 2136); NSD, then Knot, is an AXFR secondary fed by
// BIND's NOTIFY, which twinzone only reads (type axfr) and probes.
func TestVerifyOnlySecondary(t *testing.T) {
	for _, kind := range []string{"nsd", "knot"} {
		t.Run(kind, func(t *testing.T) { testVerifyOnly(t, kind) })
	}
}

func testVerifyOnly(t *testing.T, kind string) {
	key := dnsserver.TestKey
	secPort, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	secAddr := "127.0.0.1:" + strconv.Itoa(secPort)
	bind := dnsserver.StartBIND(t, dnsserver.Options{Key: &key, Notify: []string{secAddr},
		Zones: []dnsserver.Zone{{Origin: e2eOrigin, Text: vfChild}}})
	so := dnsserver.SecondaryOptions{Zones: []string{e2eOrigin}, Primary: bind.Addr, Key: &key, Port: secPort}
	var sec *dnsserver.Secondary
	if kind == "nsd" {
		sec = dnsserver.StartNSD(t, so)
	} else {
		sec = dnsserver.StartKnotSecondary(t, so)
	}

	dir := t.TempDir()
	t.Setenv("TZ_VO_TSIG", key.Secret)
	cfg := fmt.Sprintf(`providers:
  hidden: {type: rfc2136, server: "%[2]s", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_VO_TSIG}"}
  sec:    {type: axfr, server: "%[3]s", key_name: %[1]s, key_alg: hmac-sha256, key: "${TZ_VO_TSIG}", transfer_timeout: 15s}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: hidden, nameservers: ["ns1.example.test.=%[2]s"]}
    secondary: {provider: sec, nameservers: ["ns2.example.test.=%[3]s"]}
    mode: switch
    probe: {interval: 5s, timeout: 2s}
    failover: {auto: false}
`, key.Name, bind.Addr, sec.Addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	stampOf := func() string {
		z, err := zone.ParseFile(filepath.Join(dir, "example.test.zone"), e2eOrigin)
		if err != nil {
			t.Fatal(err)
		}
		return plan.StampOf(z.RRsets).String()
	}

	// The conformance suite writes: it refuses a verify-only provider before any request.
	code, out, stderr := runCLI(t, "conformance", "sec", "--config", conf, "--zone", e2eOrigin)
	if code != exitError {
		t.Fatalf("conformance on a verify-only provider: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "conformance on a verify-only provider", stderr, "sec (type axfr) is verify-only")

	// Sync writes the primary; the secondary serves the new stamp by transfer.
	code, out, stderr = runCLI(t, "sync", "--config", conf)
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "sync", out, "example.test. on sec", "verify-only", "converged")
	gen1 := stampOf()
	if got := servedStamp(t, sec.Addr); got != gen1 {
		t.Fatalf("after sync the %s secondary serves stamp %q, want %q", kind, got, gen1)
	}
	code, out, stderr = runCLI(t, "plan", "--config", conf, "--exit-code")
	if code != 0 {
		t.Fatalf("plan after sync: exit %d, want 0 (nothing left on either side)\n%s%s", code, out, stderr)
	}
	mustContain(t, "plan after sync", out, "example.test. on sec", "verify-only: serves the zone file by transfer")
	code, out, stderr = runCLI(t, "failover", "--config", conf, "--dry-run")
	if code != 0 {
		t.Fatalf("failover preflight to a fresh verify-only secondary: exit %d\n%s%s", code, out, stderr)
	}
	transferFinding := func(when string) checkFinding {
		t.Helper()
		_, out, stderr := runCLI(t, "check", "--config", conf, "--format", "json")
		var rep struct {
			Findings []checkFinding `json:"findings"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("check %s: %v\n%s%s", when, err, out, stderr)
		}
		for _, f := range rep.Findings {
			if f.Check == "transfer" && f.Subject == "sec" {
				return f
			}
		}
		t.Fatalf("check %s: no transfer finding for sec:\n%s", when, out)
		return checkFinding{}
	}
	if f := transferFinding("(fresh)"); f.Severity != "ok" || !strings.Contains(f.Message, "verify-only") || !strings.Contains(f.Message, "is the primary's") {
		t.Errorf("check (fresh): %+v", f)
	}
	mustContain(t, "failover --dry-run (fresh)", out, "preflight: ok")

	// Break the feed: the secondary now transfers from a dead address; a new zone version
	// reaches the primary only. Sync reports the secondary stale and exits 1.
	sec.Repoint("127.0.0.1:1")
	serialBefore := soaSerial(t, sec.Addr)
	writeFiles(t, dir, map[string]string{"example.test.zone": strings.Replace(strings.Replace(labZoneFile,
		"hostmaster.example.test. 1 ", "hostmaster.example.test. 2 ", 1), "192.0.2.80", "192.0.2.81", 1)})
	gen2 := stampOf()
	code, out, stderr = runCLI(t, "sync", "--config", conf)
	if code != exitError {
		t.Fatalf("sync with a broken feed: exit %d, want %d\n%s%s", code, exitError, out, stderr)
	}
	mustContain(t, "sync with a broken feed", out+stderr, "sec", "the secondary has not transferred generation 2 within 15s", "serves g=1/", "NOTIFY")
	if got := servedStamp(t, bind.Addr); got != gen2 {
		t.Fatalf("the primary serves %q after the sync, want %q", got, gen2)
	}
	if got := servedStamp(t, sec.Addr); got != gen1 {
		t.Fatalf("the %s secondary with a broken feed serves %q, want the old %q", kind, got, gen1)
	}
	if got := soaSerial(t, sec.Addr); got != serialBefore {
		t.Fatalf("the %s secondary's serial moved from %d to %d: something wrote to it", kind, serialBefore, got)
	}
	code, out, stderr = runCLI(t, "plan", "--config", conf, "--exit-code")
	if code != exitChanges {
		t.Fatalf("plan with a stale secondary: exit %d, want %d\n%s%s", code, exitChanges, out, stderr)
	}
	mustContain(t, "plan with a stale secondary", out, "not yet transferred", "www.example.test.")
	code, out, stderr = runCLI(t, "failover", "--config", conf, "--dry-run")
	if code != exitError {
		t.Fatalf("failover preflight to a stale verify-only secondary: exit %d, want %d\n%s%s", code, exitError, out, stderr)
	}
	mustContain(t, "failover --dry-run (stale)", out+stderr, "preflight: refused", "g=1/")
	if f := transferFinding("(stale)"); f.Severity != "fail" || !strings.Contains(f.Message, "has not transferred the primary's latest version") {
		t.Errorf("check (stale): %+v", f)
	}

	// Mend the feed: the next version's NOTIFY reaches the secondary again, it transfers, and
	// the sync that waits for it passes. (A restarted secondary keeps its refresh timer, so it
	// does not pull before a NOTIFY or SOA refresh comes.)
	sec.Repoint(bind.Addr)
	writeFiles(t, dir, map[string]string{"example.test.zone": strings.Replace(strings.Replace(labZoneFile,
		"hostmaster.example.test. 1 ", "hostmaster.example.test. 3 ", 1), "192.0.2.80", "192.0.2.82", 1)})
	gen3 := stampOf()
	code, out, stderr = runCLI(t, "sync", "--config", conf)
	if code != 0 {
		t.Fatalf("sync after the feed is mended: exit %d\n%s%s", code, out, stderr)
	}
	if got := servedStamp(t, sec.Addr); got != gen3 {
		t.Fatalf("after the mend the %s secondary serves %q, want %q", kind, got, gen3)
	}
	code, out, stderr = runCLI(t, "failover", "--config", conf, "--dry-run")
	if code != 0 {
		t.Fatalf("failover preflight after the mend: exit %d\n%s%s", code, out, stderr)
	}

	// The secondary stops: sync still writes the primary, and reports the secondary.
	sec.Stop()
	writeFiles(t, dir, map[string]string{"example.test.zone": strings.Replace(strings.Replace(labZoneFile,
		"hostmaster.example.test. 1 ", "hostmaster.example.test. 4 ", 1), "192.0.2.80", "192.0.2.84", 1)})
	gen4 := stampOf()
	code, out, stderr = runCLI(t, "sync", "--config", conf)
	if code != exitError {
		t.Fatalf("sync with the secondary stopped: exit %d, want %d\n%s%s", code, exitError, out, stderr)
	}
	mustContain(t, "sync with the secondary stopped", out+stderr, "the secondary cannot be read, so nothing proves it serves generation 4")
	if got := servedStamp(t, bind.Addr); got != gen4 {
		t.Fatalf("the primary serves %q after a sync with the secondary stopped, want %q", got, gen4)
	}
}

// servedStamp asks addr (RD=0) for the zone's stamp TXT; "" when it has none.
func servedStamp(t *testing.T, addr string) string {
	t.Helper()
	r := vfQuery(t, addr, plan.StampName(e2eOrigin), dns.TypeTXT)
	for _, rr := range r.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			return strings.Join(txt.Txt, "")
		}
	}
	return ""
}

func soaSerial(t *testing.T, addr string) uint32 {
	t.Helper()
	r := vfQuery(t, addr, e2eOrigin, dns.TypeSOA)
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial
		}
	}
	t.Fatalf("%s serves no SOA for %s", addr, e2eOrigin)
	return 0
}

func vfQuery(t *testing.T, addr, name string, typ uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, typ)
	m.RecursionDesired = false
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s at %s: %v", name, dns.TypeToString[typ], addr, err)
	}
	if !r.Authoritative || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("query %s %s at %s: rcode %s aa=%v", name, dns.TypeToString[typ], addr, dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	return r
}

type checkFinding struct {
	Check    string `json:"check"`
	Subject  string `json:"subject"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}
