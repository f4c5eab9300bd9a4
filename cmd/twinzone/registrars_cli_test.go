package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/registrar/godaddy/godaddyemu"
	"github.com/twinzone/twinzone/providers/registrar/namecheap/namecheapemu"
	"github.com/twinzone/twinzone/providers/registrar/namecom/namecomemu"
	"github.com/twinzone/twinzone/providers/registrar/ovh/ovhemu"
)

// TestFailoverThroughNewRegistrars: `twinzone failover --yes` as a user runs it, with each new
// registrar type written in twinzone.yaml and pointed at its emulator, moves the delegation to
// the secondary; the documented refusals (Namecheap's IP allow-list, GoDaddy's account
// restriction) fail the dry run already, with the reason, and change nothing; `check` lists the
// registrar's traps.
func TestFailoverThroughNewRegistrars(t *testing.T) {
	pri, sec := probetest.Start(t, e2eOrigin), probetest.Start(t, e2eOrigin)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"example.test.zone": labZoneFile})
	z, err := zone.ParseFile(filepath.Join(dir, "example.test.zone"), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	pri.SetStamp(plan.StampHash(z.RRsets))
	sec.SetStamp(plan.StampHash(z.RRsets))
	secrets := map[string]string{"TZ_NC_TOKEN": "namecom-token-77", "TZ_NCH_KEY": "namecheap-key-88", "TZ_OVH_AS": "ovh-app-secret-99",
		"TZ_OVH_CK": "ovh-consumer-11", "TZ_GD_KEY": "gd-key-22", "TZ_GD_SECRET": "gd-secret-33"}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	held := map[string][]string{"example.test": {"ns1.pri.example"}}
	nc := namecomemu.Start("ops", secrets["TZ_NC_TOKEN"], held)
	defer nc.Close()
	ch := namecheapemu.Start("ops", secrets["TZ_NCH_KEY"], []string{"127.0.0.1"}, held)
	defer ch.Close()
	ov := ovhemu.Start("ovh-ak", secrets["TZ_OVH_AS"], secrets["TZ_OVH_CK"], held)
	defer ov.Close()
	gd := godaddyemu.Start(secrets["TZ_GD_KEY"], secrets["TZ_GD_SECRET"], held)
	defer gd.Close()

	blocks := map[string]string{
		"namecom":   fmt.Sprintf(`{type: namecom, username: ops, api_token: "${TZ_NC_TOKEN}", endpoint: "%s"}`, nc.URL),
		"namecheap": fmt.Sprintf(`{type: namecheap, api_user: ops, api_key: "${TZ_NCH_KEY}", client_ip: 127.0.0.1, endpoint: "%s"}`, ch.URL),
		"ovh":       fmt.Sprintf(`{type: ovh, application_key: ovh-ak, application_secret: "${TZ_OVH_AS}", consumer_key: "${TZ_OVH_CK}", endpoint: "%s"}`, ov.URL),
		"godaddy":   fmt.Sprintf(`{type: godaddy, api_key: "${TZ_GD_KEY}", api_secret: "${TZ_GD_SECRET}", endpoint: "%s"}`, gd.URL),
	}
	// One folder (so one state directory) per registrar: each is its own setup.
	conf := func(typ string) string {
		path := filepath.Join(dir, typ, "twinzone.yaml")
		writeFiles(t, filepath.Join(dir, typ), map[string]string{"example.test.zone": labZoneFile, "twinzone.yaml": fmt.Sprintf(`providers:
  pri: {type: rfc2136, server: "127.0.0.1:1"}
  sec: {type: rfc2136, server: "127.0.0.1:1"}
registrars:
  reg: %s
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: pri, nameservers: ["ns1.pri.example.=%s"]}
    secondary: {provider: sec, nameservers: ["ns1.sec.example.=%s"]}
    registrar: reg
    mode: switch
    probe: {interval: 5s, timeout: 2s}
    failover: {propagation_timeout: 1s}
`, blocks[typ], pri.Addr, sec.Addr)})
		return path
	}
	noSecrets := func(what, s string) {
		t.Helper()
		for _, v := range secrets {
			if strings.Contains(s, v) {
				t.Fatalf("%s: a secret in the output:\n%s", what, s)
			}
		}
	}

	// The documented refusals fail the dry run with their reason.
	ch.SetAllowList([]string{"203.0.113.7"})
	code, out, stderr := runCLI(t, "failover", "--config", conf("namecheap"), "--dry-run")
	if code != exitError || !strings.Contains(out+stderr, "1011150") || !strings.Contains(out+stderr, "allow-listed") {
		t.Errorf("namecheap off the allow-list, dry run: exit %d\n%s%s", code, out, stderr)
	}
	noSecrets("namecheap dry run", out+stderr)
	// The real failover: refused once, not retried (the allow-list error is permanent).
	code, out, stderr = runCLI(t, "failover", "--config", conf("namecheap"), "--yes")
	if code != exitError || !strings.Contains(out+stderr, "1011150") {
		t.Errorf("namecheap off the allow-list, failover --yes: exit %d\n%s%s", code, out, stderr)
	}
	if n := ch.Calls("namecheap.domains.dns.setCustom"); n != 1 {
		t.Errorf("%d setCustom calls, want exactly 1: a permanent refusal is not retried", n)
	}
	if got := ch.Nameservers("example.test"); !slices.Equal(got, []string{"ns1.pri.example"}) {
		t.Errorf("refused failover changed the delegation: %v", got)
	}
	ch.SetAllowList([]string{"127.0.0.1"})
	gd.SetRestricted(true)
	code, out, stderr = runCLI(t, "failover", "--config", conf("godaddy"), "--dry-run")
	if code != exitError || !strings.Contains(out+stderr, "ACCESS_DENIED") || !strings.Contains(out+stderr, "10 or more domains") {
		t.Errorf("godaddy restricted, dry run: exit %d\n%s%s", code, out, stderr)
	}
	gd.SetRestricted(false)

	code, out, stderr = runCLI(t, "check", "--config", conf("namecheap"))
	if !strings.Contains(out+stderr, "registrar-traps") || !strings.Contains(out+stderr, "allow-listed IPv4") {
		t.Errorf("check with namecheap: exit %d, no registrar-traps finding\n%s%s", code, out, stderr)
	}

	now := map[string]func() []string{
		"namecom": func() []string { return nc.Nameservers("example.test") }, "namecheap": func() []string { return ch.Nameservers("example.test") },
		"ovh": func() []string { return ov.Nameservers("example.test") }, "godaddy": func() []string { return gd.Nameservers("example.test") }}
	for _, typ := range []string{"namecom", "namecheap", "ovh", "godaddy"} {
		code, out, stderr := runCLI(t, "failover", "--config", conf(typ), "--yes")
		noSecrets(typ, out+stderr)
		if !strings.Contains(out+stderr, "done at the registrar") {
			t.Errorf("%s: failover --yes: exit %d\n%s%s", typ, code, out, stderr)
		}
		if got := now[typ](); !slices.Equal(got, []string{"ns1.sec.example"}) {
			t.Errorf("%s holds %v after the failover, want ns1.sec.example", typ, got)
		}
	}
}
