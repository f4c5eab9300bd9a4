package check

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	rfc2136reg "github.com/twinzone/twinzone/providers/registrar/rfc2136"
)

// parentServer serves the parent zone "test." with the delegation of the test zone.
func parentServer(t *testing.T, nsTTL uint32, ds ...*dns.DS) *probetest.Server {
	t.Helper()
	p := probetest.Start(t, "test.")
	p.AddRecords(nsRR(testZone, "ns1.primary.test.", nsTTL), nsRR(testZone, "ns1.secondary.test.", nsTTL))
	for _, d := range ds {
		d.Hdr = dns.RR_Header{Name: testZone, Rrtype: dns.TypeDS, Class: dns.ClassINET, Ttl: 86400}
		p.AddRecords(d)
	}
	return p
}

// childServers start a primary and a secondary server for the test zone, each with apex NS
// records of ttl, and point the fixture at them.
func childServers(t *testing.T, f *fixture, ttl uint32) (a, b *probetest.Server) {
	t.Helper()
	a, b = probetest.Start(t, testZone), probetest.Start(t, testZone)
	a.AddRecords(nsRR(testZone, "ns1.primary.test.", ttl))
	b.AddRecords(nsRR(testZone, "ns1.secondary.test.", ttl))
	f.serve("primary", a)
	f.serve("secondary", b)
	return a, b
}

func TestParentNSTTL(t *testing.T) {
	cases := []struct {
		name string
		mode config.Mode
		ttl  uint32
		sev  Severity
		text string
	}{
		{"switch, .com-like TTL", config.ModeSwitch, 172800, Warn, "48h0m0s, over 1 h in switch mode: resolvers cache the delegation"},
		{"switch, one hour", config.ModeSwitch, 3600, OK, "NS TTL 1h0m0s"},
		{"active-active, long TTL", config.ModeActiveActive, 172800, OK, "the TTL matters little"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.mode)
			f.parentAt(parentServer(t, tc.ttl))
			childServers(t, f, 300)
			fs := only(f.run(t, ""), CheckNSTTLParent)
			got := want(t, fs, "", tc.sev, tc.text, "ns1.primary.test. ns1.secondary.test.")
			if tc.sev == Warn && !strings.Contains(got.Fix, "active-active") {
				t.Errorf("fix does not suggest active-active: %s", got.Fix)
			}
		})
	}
	t.Run("parent unreachable", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		p := parentServer(t, 300)
		p.Stop()
		f.parentAt(p)
		childServers(t, f, 300)
		r := f.run(t, "")
		want(t, only(r, CheckNSTTLParent), "", Warn, "could not be read", p.Addr.String())
		if ds := only(r, CheckDNSSEC); len(ds) != 0 {
			t.Errorf("DNSSEC judged without a delegation: %+v", ds)
		}
	})
}

func TestChildNSTTL(t *testing.T) {
	t.Run("switch, one day at the child", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 86400)
		fs := only(f.run(t, ""), CheckNSTTLChild)
		want(t, fs, "a", Warn, "primary provider a serves its apex NS with NS TTL 24h0m0s", "3600 s or less")
		want(t, fs, "b", Warn, "secondary provider b")
	})
	t.Run("switch, short TTL", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 300)
		fs := only(f.run(t, ""), CheckNSTTLChild)
		want(t, fs, "a", OK, "NS TTL 5m0s")
		want(t, fs, "b", OK, "NS TTL 5m0s")
	})
	t.Run("active-active, long TTL", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 86400)
		want(t, only(f.run(t, ""), CheckNSTTLChild), "a", OK, "matters little")
	})
	t.Run("refused and not authoritative", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600))
		a, b := childServers(t, f, 300)
		a.SetMode(probetest.Refused)
		b.SetMode(probetest.NoAA)
		fs := only(f.run(t, ""), CheckNSTTLChild)
		want(t, fs, "a", Warn, "apex NS could not be read", "REFUSED")
		want(t, fs, "b", Warn, "not authoritative")
	})
}

func TestDNSSEC(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	ds1 := k1.ToDS(dns.SHA256)
	t.Run("no DS at the parent", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 300)
		fs := only(f.run(t, ""), CheckDNSSEC)
		want(t, fs, "", OK, "not signed")
	})
	t.Run("one provider matches, one does not", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600, ds1))
		a, b := childServers(t, f, 300)
		a.AddRecords(k1)
		b.AddRecords(k2)
		r := f.run(t, "")
		want(t, only(r, CheckNSTTLParent), "", OK, "1 DS with TTL 24h0m0s")
		fs := only(r, CheckDNSSEC)
		want(t, fs, "a", OK, "matches a DS at the parent")
		want(t, fs, "b", Fail, "none matching the parent's 1 DS", "RFC 8901")
	})
	t.Run("both providers publish the parent's key", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600, ds1))
		a, b := childServers(t, f, 300)
		a.AddRecords(k1)
		b.AddRecords(k2, k1)
		fs := only(f.run(t, ""), CheckDNSSEC)
		want(t, fs, "a", OK)
		want(t, fs, "b", OK)
	})
	t.Run("unsigned provider while the parent holds DS", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600, ds1))
		a, _ := childServers(t, f, 300)
		a.AddRecords(k1)
		fs := only(f.run(t, ""), CheckDNSSEC)
		want(t, fs, "b", Fail, "publishes 0 DNSKEYs")
	})
	t.Run("provider down while the parent holds DS", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600, ds1))
		a, b := childServers(t, f, 300)
		a.AddRecords(k1)
		b.Stop()
		fs := only(f.run(t, ""), CheckDNSSEC)
		want(t, fs, "b", Fail, "DNSKEY could not be read")
	})
}

func TestStamp(t *testing.T) {
	const cur = "1111111111111111111111111111111111111111111111111111111111111111"
	const old = "2222222222222222222222222222222222222222222222222222222222222222"
	t.Run("both current", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		a, b := childServers(t, f, 300)
		a.SetStamp(cur)
		b.SetStamp(cur)
		fs := only(f.run(t, cur), CheckStamp)
		want(t, fs, "a", OK, "serves the current zone (sync stamp) on all 1 addresses")
		want(t, fs, "b", OK)
	})
	t.Run("secondary stale, then missing", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		a, b := childServers(t, f, 300)
		a.SetStamp(cur)
		b.SetStamp(old)
		fs := only(f.run(t, cur), CheckStamp)
		want(t, fs, "a", OK)
		want(t, fs, "b", Fail, "does not serve the current sync stamp on 1 of 1", "twinzone sync")
		b.SetStamp("")
		want(t, only(f.run(t, cur), CheckStamp), "b", Fail, "does not serve the current sync stamp")
	})
	t.Run("one of two addresses down", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		a1, a2, b := probetest.Start(t, testZone), probetest.Start(t, testZone), probetest.Start(t, testZone)
		for _, s := range []*probetest.Server{a1, a2, b} {
			s.SetStamp(cur)
		}
		f.serve("primary", a1, a2)
		f.serve("secondary", b)
		a2.Stop()
		fs := only(f.run(t, cur), CheckStamp)
		want(t, fs, "a", Fail, "1 of 2 addresses do not answer authoritatively", a2.Addr.String(), "unreachable")
		want(t, fs, "b", OK)
	})
	t.Run("no nameservers configured", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		b := probetest.Start(t, testZone)
		f.serve("secondary", b)
		r := f.run(t, "")
		want(t, only(r, CheckNameservers), "a", Warn, "no nameservers in the config")
		want(t, only(r, CheckStamp), "b", OK, "stamp not compared")
		if fs := only(r, CheckStamp); len(fs) != 1 {
			t.Errorf("stamp findings for a provider without targets: %+v", fs)
		}
	})
	t.Run("nameserver without address that does not resolve", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 300)
		f.zone.Primary.Nameservers[0].Addrs = nil
		want(t, only(f.run(t, ""), CheckNameservers), "a", Warn, "have no address", "name.=ip")
	})
}

func TestDelegationSet(t *testing.T) {
	t.Run("active-active, both sets delegated", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 300)
		want(t, only(f.run(t, ""), CheckDelegation), "", OK, "delegates to ns1.primary.test. ns1.secondary.test., as active-active mode expects")
	})
	t.Run("switch, but the parent names both", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600))
		childServers(t, f, 300)
		want(t, only(f.run(t, ""), CheckDelegation), "", Warn, "switch mode expects ns1.primary.test.", "twinzone failback")
	})
	t.Run("active-active, the secondary never delegated", func(t *testing.T) {
		f := newFixture(t, config.ModeActiveActive)
		p := probetest.Start(t, "test.")
		p.AddRecords(nsRR(testZone, "ns1.primary.test.", 3600))
		f.parentAt(p)
		childServers(t, f, 300)
		fd := want(t, only(f.run(t, ""), CheckDelegation), "", Fail, "b not in the delegation", "never delegated")
		if !strings.Contains(fd.Fix, "twinzone failback") {
			t.Errorf("fix: %q", fd.Fix)
		}
	})
	t.Run("no names configured: not judged", func(t *testing.T) {
		f := newFixture(t, config.ModeSwitch)
		f.parentAt(parentServer(t, 3600))
		if fs := only(f.run(t, ""), CheckDelegation); len(fs) != 0 {
			t.Errorf("findings: %+v", fs)
		}
	})
}

// TestDefaultParentServers: with an rfc2136 registrar, the delegation is read from its server.
func TestDefaultParentServers(t *testing.T) {
	f := newFixture(t, config.ModeActiveActive)
	p := parentServer(t, 7200)
	childServers(t, f, 300)
	f.cfg.Registrars["parent"] = testRegistrar("parent", "rfc2136", &rfc2136reg.Settings{TSIG: config.TSIG{Server: p.Addr.String()}, Zone: "test."})
	f.zone.Registrar = "parent"
	want(t, only(f.run(t, ""), CheckNSTTLParent), "", OK, "NS TTL 2h0m0s")
}
