package config_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	"github.com/twinzone/twinzone/providers/dns/route53"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
	execreg "github.com/twinzone/twinzone/providers/registrar/exec"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/porkbun"
	rfc2136reg "github.com/twinzone/twinzone/providers/registrar/rfc2136"
	r53d "github.com/twinzone/twinzone/providers/registrar/route53domains"
)

// fullConfig is the example of DESIGN.md, with every key spelled out.
const fullConfig = `state_dir: .twinzone                 # state, journal, lock; relative to this file
providers:
  cf:   {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}", zone_id: abc123, batch_size: 1000, endpoint: "http://127.0.0.1:8080/client/v4/"}
  aws:  {type: route53, hosted_zone_id: Z0123456789, region: eu-west-1, access_key_id: "${AWS_ACCESS_KEY_ID}", secret_access_key: "${AWS_SECRET_ACCESS_KEY}"}
  lab:  {type: rfc2136, server: "127.0.0.1:5301", key_name: twinzone, key_alg: HMAC-SHA512, key: "${TSIG_KEY}", chunk: 250}
  nsd:  {type: zonefile, path: served/example.com.zone, reload: "nsd-control reload example.com"}
registrars:
  domains: {type: route53domains, profile: registrar}
  parent:  {type: rfc2136, server: "127.0.0.1", zone: "com", key_name: twinzone., key: "${TSIG_KEY}"}
  gandi:   {type: gandi, api_token: "${GANDI_API_TOKEN}"}
  pb:      {type: porkbun, api_key: "${PORKBUN_API_KEY}", secret_api_key: "${PORKBUN_SECRET}"}
  script:  {type: exec, command: [/usr/local/bin/set-ns, --verbose], env: [REGISTRAR_TOKEN]}
  human:   {type: manual}
controller:
  listen: "127.0.0.1:9999"
  webhook: "${WEBHOOK_URL}"
  control_targets: ["9.9.9.9", "[2620:fe::fe]:53", "127.0.0.1:5399"]
log: {level: debug, format: json}
zones:
  - name: Example.COM.
    file: ${ZONE_DIR}/example.com.zone
    primary:   {provider: cf,  nameservers: [ada.ns.cloudflare.com., bob.ns.cloudflare.com.]}
    secondary: {provider: aws, nameservers: ["ns-1.awsdns-01.org.=205.251.192.1", "ns-2.awsdns-02.net.=205.251.193.2:5353,[2600:9000:5302::1]:53"]}
    registrar: domains
    mode: switch
    manage_apex_ns: true
    ignore: [{name: "_acme-challenge.*", type: txt}, {name: "legacy.example.com."}]
    safety: {max_change_fraction: 0.5, min_existing: 20}
    probe:  {interval: 15s, timeout: 3s, fail_after: 4, recover_after: 40, quorum: majority, tcp_every: 0}
    failover: {auto: false, cooldown: 2h, max_per_day: 1, failback: auto, require_in_sync: false, propagation_timeout: 20m, retry_every: 30s}
  - name: example.org
    file: zones/example.org.zone
    primary:   {provider: lab}
    secondary: {provider: nsd}
`

func TestLoadFull(t *testing.T) {
	path := writeConfig(t, fullConfig)
	dir := filepath.Dir(path)
	c, err := config.LoadWith(path, testTypes, testLookup)
	if err != nil {
		t.Fatalf("LoadWith: %v", err)
	}
	if c.File != path || c.Dir != dir || c.StateDir != filepath.Join(dir, ".twinzone") {
		t.Errorf("paths: File=%q Dir=%q StateDir=%q", c.File, c.Dir, c.StateDir)
	}
	cf := c.Providers["cf"]
	if cf == nil || cf.Type != "cloudflare" || cf.Spec == nil || cf.Spec.Name != "cloudflare" || cf.Line != 3 {
		t.Fatalf("cf = %+v", cf)
	}
	if got, _ := cf.Settings.(*cloudflare.Settings); got == nil || got.APIToken.Reveal() != testSecrets["CLOUDFLARE_API_TOKEN"] || got.APIToken.Ref() != "CLOUDFLARE_API_TOKEN" ||
		got.ZoneID != "abc123" || got.BatchSize != 1000 || got.Endpoint != "http://127.0.0.1:8080/client/v4" {
		t.Errorf("cloudflare = %+v", got)
	}
	r53, _ := c.Providers["aws"].Settings.(*route53.Settings)
	if r53 == nil || r53.HostedZoneID != "Z0123456789" || r53.Region != "eu-west-1" ||
		r53.AccessKeyID.Reveal() != testSecrets["AWS_ACCESS_KEY_ID"] || r53.SecretAccessKey.Reveal() != testSecrets["AWS_SECRET_ACCESS_KEY"] {
		t.Errorf("route53 = %+v", r53)
	}
	lab, _ := c.Providers["lab"].Settings.(*rfc2136.Settings)
	if lab == nil || lab.Server != "127.0.0.1:5301" || lab.KeyName != "twinzone." || lab.KeyAlg != "hmac-sha512" ||
		lab.Key.Reveal() != testSecrets["TSIG_KEY"] || lab.Chunk != 250 {
		t.Errorf("rfc2136 = %+v", lab)
	}
	nsd, _ := c.Providers["nsd"].Settings.(*zonefile.Settings)
	if nsd == nil || nsd.Path != filepath.Join(dir, "served/example.com.zone") || nsd.Reload != "nsd-control reload example.com" {
		t.Errorf("zonefile = %+v", nsd)
	}
	if r, _ := c.Registrars["domains"].Settings.(*r53d.Settings); r == nil || c.Registrars["domains"].Type != "route53domains" || r.Profile != "registrar" || r.Region != config.DefaultAWSRegion {
		t.Errorf("route53domains = %+v", r)
	}
	if r, _ := c.Registrars["parent"].Settings.(*rfc2136reg.Settings); r == nil || r.Server != "127.0.0.1:53" || r.Zone != "com." || r.KeyAlg != config.DefaultTSIGAlgorithm || r.KeyName != "twinzone." {
		t.Errorf("rfc2136 registrar = %+v", r)
	} else if c.Registrars["parent"].ParentServer() != "127.0.0.1:53" {
		t.Errorf("rfc2136 registrar ParentServer = %q", c.Registrars["parent"].ParentServer())
	}
	if r, _ := c.Registrars["gandi"].Settings.(*gandi.Settings); r == nil || r.APIToken.Reveal() != testSecrets["GANDI_API_TOKEN"] {
		t.Errorf("gandi = %+v", r)
	}
	if r, _ := c.Registrars["pb"].Settings.(*porkbun.Settings); r == nil || r.APIKey.Reveal() != testSecrets["PORKBUN_API_KEY"] || r.SecretAPIKey.Reveal() != testSecrets["PORKBUN_SECRET"] {
		t.Errorf("porkbun = %+v", r)
	}
	if r, _ := c.Registrars["script"].Settings.(*execreg.Settings); r == nil || !reflect.DeepEqual(r.Command, []string{"/usr/local/bin/set-ns", "--verbose"}) || !reflect.DeepEqual(r.Env, []string{"REGISTRAR_TOKEN"}) {
		t.Errorf("exec = %+v", r)
	}
	if r := c.Registrars["human"]; r.Type != "manual" || !r.SetOnly() || r.Spec == nil {
		t.Errorf("manual = %+v", r)
	}
	wantTargets := []netip.AddrPort{netip.MustParseAddrPort("9.9.9.9:53"), netip.MustParseAddrPort("[2620:fe::fe]:53"), netip.MustParseAddrPort("127.0.0.1:5399")}
	if c.Controller.Listen != "127.0.0.1:9999" || c.Controller.Webhook.Reveal() != testSecrets["WEBHOOK_URL"] || !reflect.DeepEqual(c.Controller.ControlTargets, wantTargets) {
		t.Errorf("controller = %+v %v", c.Controller, c.Controller.ControlTargets)
	}
	if c.Log != (config.Log{Level: "debug", Format: "json"}) {
		t.Errorf("log = %+v", c.Log)
	}
	if got := c.ZoneNames(); !reflect.DeepEqual(got, []string{"example.com.", "example.org."}) {
		t.Fatalf("zones = %v", got)
	}
	z, ok := c.Zone("EXAMPLE.com")
	if !ok {
		t.Fatal("Zone(EXAMPLE.com) not found")
	}
	want := &config.Zone{
		Name: "example.com.",
		File: filepath.Join(dir, "zones/example.com.zone"),
		Line: 20,
		Primary: config.ProviderRef{Provider: "cf", Nameservers: nameserver.Set{
			{Name: "ada.ns.cloudflare.com."}, {Name: "bob.ns.cloudflare.com."}}},
		Secondary: config.ProviderRef{Provider: "aws", Nameservers: nameserver.Set{
			{Name: "ns-1.awsdns-01.org.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("205.251.192.1:53")}},
			{Name: "ns-2.awsdns-02.net.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("205.251.193.2:5353"), netip.MustParseAddrPort("[2600:9000:5302::1]:53")}}}},
		Registrar:    "domains",
		Mode:         config.ModeSwitch,
		ManageApexNS: true,
		Ignore:       []config.IgnoreRule{{Name: "_acme-challenge.*.example.com.", Type: "TXT"}, {Name: "legacy.example.com."}},
		Safety:       config.Safety{MaxChangeFraction: 0.5, MinExisting: 20},
		Probe:        config.Probe{Interval: 15 * time.Second, Timeout: 3 * time.Second, FailAfter: 4, RecoverAfter: 40, Quorum: "majority", TCPEvery: 0},
		Failover:     config.Failover{Auto: false, Cooldown: 2 * time.Hour, MaxPerDay: 1, Failback: config.FailbackAuto, RequireInSync: false, PropagationTimeout: 20 * time.Minute, RetryEvery: 30 * time.Second},
	}
	got := *z
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("zone example.com.:\n got %+v\nwant %+v", got, *want)
	}
	// The second zone takes every default.
	org, _ := c.Zone("example.org.")
	def := config.DefaultZone()
	if org.Mode != config.ModeActiveActive || org.Safety != def.Safety || org.Probe != def.Probe || org.Failover != def.Failover ||
		org.Registrar != "" || len(org.Primary.Nameservers) != 0 {
		t.Errorf("zone example.org. defaults: %+v", org)
	}
	if def.Probe.Quorum != "all" || def.Probe.Interval != 10*time.Second || def.Failover.Cooldown != time.Hour || !def.Failover.Auto || def.Safety.MaxChangeFraction != 0.3 {
		t.Errorf("defaults differ from the design: %+v", def)
	}
	// example.org has no registrar: a warning, not an error. The file is 0600: no mode warning.
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "example.org. has no registrar") || !strings.Contains(c.Warnings[0], "twinzone.yaml:31") {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if _, ok := c.Zone("example.net."); ok {
		t.Error("Zone(example.net.) found")
	}
}

const minimal = `providers:
  a: {type: zonefile, path: a.zone}
  b: {type: zonefile, path: b.zone}
zones:
  - name: example.com.
    file: zones/example.com.zone
    primary: {provider: a}
    secondary: {provider: b}
`

func TestDefaults(t *testing.T) {
	c, err := config.LoadWith(writeConfig(t, minimal), testTypes, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.Controller.Listen != config.DefaultListen || c.Log.Level != "info" || c.Log.Format != "text" || filepath.Base(c.StateDir) != ".twinzone" {
		t.Errorf("defaults: %+v %+v %q", c.Controller, c.Log, c.StateDir)
	}
	z := c.Zones[0]
	if !reflect.DeepEqual(z.Probe, config.DefaultZone().Probe) || z.Mode != config.ModeActiveActive {
		t.Errorf("zone defaults: %+v", z)
	}
}

func TestMergeKeys(t *testing.T) {
	body := minimal + `    probe: &p {interval: 30s, fail_after: 5}
  - name: example.org.
    file: zones/example.org.zone
    primary: {provider: a}
    secondary: {provider: b}
    probe: {<<: *p, fail_after: 7}
`
	c, err := config.LoadWith(writeConfig(t, body), testTypes, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Zones[1].Probe
	if p.Interval != 30*time.Second || p.FailAfter != 7 || p.Timeout != config.DefaultProbeTimeout {
		t.Errorf("merged probe = %+v", p)
	}
}

func TestModeWarning(t *testing.T) {
	path := writeConfig(t, minimal)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadWith(path, testTypes, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "by other users") {
			t.Errorf("a config without secrets in it, readable by others, warns: %q", w)
		}
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if c, err = config.LoadWith(path, testTypes, testLookup); err != nil || len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "writable by other users") {
		t.Errorf("warnings = %q, %v", c.Warnings, err)
	}
	withHook := writeConfig(t, "controller: {webhook: \"https://hooks.example.net/T0/secret-token\"}\n"+minimal)
	if err := os.Chmod(withHook, 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = config.LoadWith(withHook, testTypes, testLookup); err != nil || len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "readable") || !strings.Contains(c.Warnings[0], "0644") {
		t.Errorf("clear-text webhook, mode 0644: warnings = %q, %v", c.Warnings, err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "secret-token") {
			t.Errorf("warning prints the webhook URL: %q", w)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := config.Load(path, testTypes)
	var e *config.Error
	if !errors.As(err, &e) || e.File != path || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadUsesEnvironment(t *testing.T) {
	t.Setenv("TZ_TEST_TOKEN", "env-token-value")
	body := strings.Replace(minimal, "  a: {type: zonefile, path: a.zone}", `  a: {type: cloudflare, api_token: "${TZ_TEST_TOKEN}"}`, 1)
	c, err := config.Load(writeConfig(t, body), testTypes)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Providers["a"].Settings.(*cloudflare.Settings).APIToken.Reveal(); got != "env-token-value" {
		t.Errorf("token = %q", got)
	}
}

func TestMergeFanOut(t *testing.T) {
	_, err := config.LoadWith(writeConfig(t, mergeBomb()), testTypes, testLookup)
	// x0..x6 are unknown top-level keys; the zone's probe gets interval 5s from x0.
	if err == nil || !strings.Contains(err.Error(), `unknown key "x0"`) || strings.Contains(err.Error(), "probe") {
		t.Errorf("err = %v", err)
	}
}
