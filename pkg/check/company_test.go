package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/registrar/dnsimple"
	execreg "github.com/twinzone/twinzone/providers/registrar/exec"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/manual"
	rfc2136reg "github.com/twinzone/twinzone/providers/registrar/rfc2136"
	"github.com/twinzone/twinzone/providers/registrar/route53domains"
)

func TestIndependence(t *testing.T) {
	prov := func(typ string) *config.Provider { return testProvider("", typ, nil) }
	cases := []struct {
		name         string
		primary, sec string // provider types
		reg          *config.Registrar
		mode         config.Mode
		sev          Severity
		parts        []string
	}{
		{"route53 primary, Route 53 Domains", "route53", "cloudflare",
			testRegistrar("domains", "route53domains", &route53domains.Settings{}), config.ModeSwitch,
			Fail, []string{"both at Amazon", "transfer the domain"}},
		{"cloudflare primary, exec registrar for Cloudflare", "cloudflare", "route53",
			testRegistrar("cf-registrar", "exec", &execreg.Settings{Command: []string{"/usr/local/bin/set-ns"}}),
			config.ModeActiveActive, Fail, []string{"Cloudflare Registrar", "cannot point a domain at other nameservers"}},
		{"manual registrar named after Cloudflare", "route53", "cloudflare",
			testRegistrar("cloudflare", "manual", &manual.Settings{}),
			config.ModeSwitch, Fail, []string{"Cloudflare Registrar"}},
		{"exec command naming aws", "route53", "cloudflare",
			testRegistrar("script", "exec", &execreg.Settings{Command: []string{"aws", "route53domains", "update-domain-nameservers"}}),
			config.ModeSwitch, Fail, []string{"both at Amazon"}},
		{"Route 53 Domains with a route53 secondary, active-active", "cloudflare", "route53",
			testRegistrar("domains", "route53domains", &route53domains.Settings{}), config.ModeActiveActive,
			Warn, []string{"secondary provider b are both at Amazon", "third company"}},
		{"Route 53 Domains with a route53 secondary, switch", "cloudflare", "route53",
			testRegistrar("domains", "route53domains", &route53domains.Settings{}), config.ModeSwitch,
			OK, []string{"independent of the primary provider a"}},
		{"Gandi LiveDNS primary, Gandi registrar", "gandi", "route53",
			testRegistrar("gandi", "gandi", &gandi.Settings{}), config.ModeSwitch,
			Fail, []string{"both at Gandi"}},
		{"DNSimple secondary, DNSimple registrar, active-active", "desec", "dnsimple",
			testRegistrar("dnsimple", "dnsimple", &dnsimple.Settings{}), config.ModeActiveActive,
			Warn, []string{"secondary provider b are both at DNSimple"}},
		{"Gandi with Cloudflare and Route 53", "cloudflare", "route53",
			testRegistrar("gandi", "gandi", &gandi.Settings{}), config.ModeActiveActive,
			OK, []string{"gandi (gandi, Gandi) is independent"}},
		{"self-run parent", "rfc2136", "rfc2136",
			testRegistrar("parent", "rfc2136", &rfc2136reg.Settings{}), config.ModeSwitch,
			OK, []string{"does not recognise (or self-run)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{
				Providers:  map[string]*config.Provider{"a": prov(tc.primary), "b": prov(tc.sec)},
				Registrars: map[string]*config.Registrar{tc.reg.Name: tc.reg},
			}
			z := &config.Zone{Name: testZone, Mode: tc.mode, Registrar: tc.reg.Name,
				Primary: config.ProviderRef{Provider: "a"}, Secondary: config.ProviderRef{Provider: "b"}}
			want(t, checkIndependence(cfg, z), tc.reg.Name, tc.sev, tc.parts...)
		})
	}
	t.Run("no registrar: no finding here", func(t *testing.T) {
		z := &config.Zone{Name: testZone}
		if fs := checkIndependence(&config.Config{}, z); len(fs) != 0 {
			t.Errorf("findings: %+v", fs)
		}
	})
}

// statusProvider is a provider that reports a Cloudflare zone status.
type statusProvider struct {
	provider.Provider
	status string
}

func (s statusProvider) Nameservers(context.Context, string) ([]string, string, error) {
	return []string{"ada.ns.cloudflare.com."}, s.status, nil
}

func TestCloudflareTraps(t *testing.T) {
	cf := testProvider("cf", "cloudflare", nil)
	r53 := testProvider("aws", "route53", nil)
	run := func(mode config.Mode, primary, secondary *config.Provider, p provider.Provider) []Finding {
		z := &config.Zone{Name: testZone, Mode: mode,
			Primary: config.ProviderRef{Provider: primary.Name}, Secondary: config.ProviderRef{Provider: secondary.Name}}
		provs := []openedProvider{
			{Role: "primary", Cfg: &z.Primary, Def: primary, P: p},
			{Role: "secondary", Cfg: &z.Secondary, Def: secondary, P: p},
		}
		return checkCloudflare(context.Background(), &Options{}, z, provs)
	}
	t.Run("undelegated secondary in switch mode", func(t *testing.T) {
		want(t, run(config.ModeSwitch, r53, cf, nil), "cf", Warn, "deleted after 7 days", "multi-provider")
	})
	t.Run("active-active needs multi-provider", func(t *testing.T) {
		want(t, run(config.ModeActiveActive, cf, r53, nil), "cf", Warn, "multi-provider DNS setting")
	})
	t.Run("delegated primary in switch mode", func(t *testing.T) {
		want(t, run(config.ModeSwitch, cf, r53, statusProvider{status: "active"}), "cf", OK, "delegated primary", `zone status "active"`)
	})
	t.Run("zone moved", func(t *testing.T) {
		want(t, run(config.ModeSwitch, r53, cf, statusProvider{status: "moved"}), "cf", Fail, `reports the zone as "moved"`)
	})
	t.Run("zone pending", func(t *testing.T) {
		want(t, run(config.ModeSwitch, cf, r53, statusProvider{status: "pending"}), "cf", Warn, `"pending", not active`)
	})
	t.Run("no Cloudflare: no finding", func(t *testing.T) {
		if fs := run(config.ModeSwitch, r53, r53, nil); len(fs) != 0 {
			t.Errorf("findings: %+v", fs)
		}
	})
	t.Run("Cloudflare emulator reports active", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeSwitch)
		ctx := context.Background()
		fs := checkCloudflare(ctx, &e.f.opts, e.f.zone, openProviders(ctx, &e.f.opts, e.f.zone))
		want(t, fs, "a", OK, `zone status "active"`)
	})
}

func TestReportRendering(t *testing.T) {
	rep := Report{Findings: []Finding{
		{Zone: testZone, Check: CheckCredentials, Subject: "a", Severity: OK, Message: "read 3 RRsets"},
		{Zone: testZone, Check: CheckNSTTLParent, Severity: Warn, Message: "long TTL", Fix: "use active-active"},
		{Zone: testZone, Check: CheckStamp, Subject: "b", Severity: Fail, Message: "stale", Fix: "run twinzone sync"},
	}}
	if rep.Ready() {
		t.Error("a report with a fail is ready")
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 finding lines and a summary, got:\n%s", text.String())
	}
	for i, sev := range []string{"ok", "warn", "fail"} {
		if !strings.HasPrefix(lines[i], sev+" ") || !strings.Contains(lines[i], rep.Findings[i].Message) {
			t.Errorf("line %d = %q", i, lines[i])
		}
	}
	if !strings.Contains(lines[2], "fix: run twinzone sync") || strings.Contains(lines[0], "fix:") {
		t.Errorf("fixes misplaced:\n%s", text.String())
	}
	if lines[3] != "not ready: 1 fail, 1 warn, 1 ok" {
		t.Errorf("summary %q", lines[3])
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got jsonReport
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Ready || got.Summary["fail"] != 1 || got.Summary["warn"] != 1 || got.Summary["ok"] != 1 || len(got.Findings) != 3 || got.Findings[2] != rep.Findings[2] {
		t.Errorf("JSON round trip: %+v", got)
	}
	var empty bytes.Buffer
	if err := (Report{}).WriteJSON(&empty); err != nil || !strings.Contains(empty.String(), `"findings": []`) || !strings.Contains(empty.String(), `"ready": true`) {
		t.Errorf("empty report JSON: %s %v", empty.String(), err)
	}
}

// TestDocsListEveryCheck: docs/check.md has a row for every check name.
func TestDocsListEveryCheck(t *testing.T) {
	b, err := os.ReadFile("../../docs/check.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{CheckCredentials, CheckIndependence, CheckCloudflare, CheckNameservers,
		CheckNSTTLParent, CheckDelegation, CheckNSTTLChild, CheckDNSSEC, CheckStamp, CheckRegistrarTraps} {
		if !strings.Contains(string(b), "| `"+c+"` |") {
			t.Errorf("docs/check.md has no row for %s", c)
		}
	}
}
