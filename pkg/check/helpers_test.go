package check

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/stamp"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

const testZone = "example.test."

// fixture is a config under construction plus the options Run needs.
type fixture struct {
	cfg  *config.Config
	zone *config.Zone
	opts Options
}

// testProvider is a provider as config.Load returns it, its type's row from the build's table.
func testProvider(name, typ string, settings any) *config.Provider {
	p := &config.Provider{Name: name, Type: typ, Settings: settings}
	for _, r := range dnsproviders.Table() {
		if r.Config.Name == typ {
			p.Spec = &r.Config
		}
	}
	return p
}

// testRegistrar is a registrar as config.Load returns it, its type's row from the build's table.
func testRegistrar(name, typ string, settings any) *config.Registrar {
	r := &config.Registrar{Name: name, Type: typ, Settings: settings}
	for _, row := range registrars.Table() {
		if row.Config.Name == typ {
			r.Spec = &row.Config
		}
	}
	return r
}

// newFixture returns a zone with providers "a" (primary) and "b" (secondary), both zonefile
// providers in a temp dir unless replaced, no registrar, in mode.
func newFixture(t *testing.T, mode config.Mode) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg := &config.Config{
		File: dir + "/twinzone.yaml", Dir: dir,
		Providers: map[string]*config.Provider{
			"a": testProvider("a", "zonefile", &zonefile.Settings{Path: dir + "/a.zone"}),
			"b": testProvider("b", "zonefile", &zonefile.Settings{Path: dir + "/b.zone"}),
		},
		Registrars: map[string]*config.Registrar{},
	}
	z := &config.Zone{Name: testZone, Mode: mode,
		Primary: config.ProviderRef{Provider: "a"}, Secondary: config.ProviderRef{Provider: "b"}}
	cfg.Zones = []*config.Zone{z}
	f := &fixture{cfg: cfg, zone: z}
	f.opts = Options{
		Config:  cfg,
		Timeout: 2 * time.Second,
		OpenProvider: func(ctx context.Context, p *config.Provider) (provider.Provider, error) {
			return dnsproviders.Open(ctx, p, slog.New(slog.DiscardHandler))
		},
		OpenRegistrar: func(ctx context.Context, r *config.Registrar) (registrar.Registrar, error) {
			return registrars.OpenWith(ctx, r, slog.New(slog.DiscardHandler), registrars.Options{})
		},
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			return nil, &net404{}
		},
	}
	return f
}

type net404 struct{}

func (*net404) Error() string { return "no such host (tests resolve nothing)" }

// serve points a role's nameservers at in-process servers.
func (f *fixture) serve(role string, srvs ...*probetest.Server) {
	var set nameserver.Set
	for i, s := range srvs {
		set = append(set, nameserver.Nameserver{Name: "ns" + string(rune('1'+i)) + "." + role + ".test.", Addrs: []netip.AddrPort{s.Addr}})
	}
	if role == "primary" {
		f.zone.Primary.Nameservers = set
	} else {
		f.zone.Secondary.Nameservers = set
	}
}

// parentAt makes Run read the delegation from srv.
func (f *fixture) parentAt(srv *probetest.Server) {
	f.opts.ParentServers = func(context.Context, *config.Zone) ([]netip.AddrPort, error) {
		return []netip.AddrPort{srv.Addr}, nil
	}
}

// run runs every check on the fixture's zone with stamp hash h.
func (f *fixture) run(t *testing.T, h string) Report {
	t.Helper()
	return Run(context.Background(), f.opts, []Zone{{Config: f.zone, Stamp: stampOf(h)}})
}

// only returns the findings of one check.
func only(r Report, check string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// want asserts exactly one finding of check about subject, with severity sev and a message
// holding every part.
func want(t *testing.T, fs []Finding, subject string, sev Severity, parts ...string) Finding {
	t.Helper()
	var got []Finding
	for _, f := range fs {
		if f.Subject == subject {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("want one finding about %q, got %d: %+v", subject, len(got), fs)
	}
	f := got[0]
	if f.Severity != sev {
		t.Errorf("%s %s: severity %s, want %s: %s", f.Check, subject, f.Severity, sev, f.Message)
	}
	for _, p := range parts {
		if !strings.Contains(f.Message+" "+f.Fix, p) {
			t.Errorf("%s %s: %q not in message/fix:\n%s\nfix: %s", f.Check, subject, p, f.Message, f.Fix)
		}
	}
	if sev != OK && f.Fix == "" {
		t.Errorf("%s %s: a %s finding without a fix", f.Check, subject, sev)
	}
	return f
}

// nsRR is an NS record of owner with ttl.
func nsRR(owner, target string, ttl uint32) dns.RR {
	return &dns.NS{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: ttl}, Ns: target}
}

// newKey generates a KSK for the test zone.
func newKey(t *testing.T) *dns.DNSKEY {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: testZone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	if _, err := k.Generate(256); err != nil {
		t.Fatal(err)
	}
	return k
}

// stampOf is the expected stamp of hash h ("" for none).
func stampOf(h string) stamp.Stamp {
	if h == "" {
		return stamp.Stamp{}
	}
	return stamp.Stamp{Hash: h}
}
