package authserver

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	dnsprov "github.com/twinzone/twinzone/providers/dns/rfc2136"
	regprov "github.com/twinzone/twinzone/providers/registrar/rfc2136"
)

const (
	keyName = "twinzone."
	secret  = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
)

const childZone = `$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60
@ NS ns1.example.test.
ns1 A 127.0.0.1
www A 192.0.2.10
alias CNAME www
a.b.c TXT "deep"
`

const parentZone = `$TTL 300
@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60
@ NS ns.test.
ns A 127.0.0.1
example NS ns1.example.test.
ns1.example A 127.0.0.1
`

func newServer(t *testing.T, zones ...string) *Server {
	t.Helper()
	s, err := New(Config{Name: t.Name(), Keys: map[string]string{keyName: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for i := 0; i+1 < len(zones); i += 2 {
		if err := s.AddZone(zones[i], zones[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func ask(t *testing.T, s *Server, netw, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	c := &dns.Client{Net: netw, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.Addr().String())
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], netw, err)
	}
	return r
}

func TestAnswers(t *testing.T) {
	s := newServer(t, "example.test.", childZone)
	for _, netw := range []string{"udp", "tcp"} {
		r := ask(t, s, netw, "WWW.example.test.", dns.TypeA)
		if !r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.10" {
			t.Errorf("%s: www A: %v", netw, r)
		}
		if r.Question[0].Name != "WWW.example.test." {
			t.Errorf("question not echoed: %v", r.Question)
		}
	}
	r := ask(t, s, "udp", "nope.example.test.", dns.TypeA)
	if r.Rcode != dns.RcodeNameError || !r.Authoritative || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA || r.Ns[0].Header().Ttl != 60 {
		t.Errorf("NXDOMAIN: %v", r)
	}
	r = ask(t, s, "udp", "www.example.test.", dns.TypeMX)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 1 {
		t.Errorf("NODATA: %v", r)
	}
	r = ask(t, s, "udp", "b.c.example.test.", dns.TypeA) // empty non-terminal
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("empty non-terminal: %v", r)
	}
	r = ask(t, s, "udp", "alias.example.test.", dns.TypeA)
	if len(r.Answer) != 2 || r.Answer[0].Header().Rrtype != dns.TypeCNAME {
		t.Errorf("CNAME chase: %v", r)
	}
	r = ask(t, s, "udp", "example.org.", dns.TypeA)
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("foreign zone: %v", r)
	}
	r = ask(t, s, "udp", "example.test.", dns.TypeNS)
	if len(r.Answer) != 1 || len(r.Extra) != 1 {
		t.Errorf("apex NS with glue: %v", r)
	}
}

func TestReferral(t *testing.T) {
	s := newServer(t, "test.", parentZone)
	for _, q := range []string{"example.test.", "www.example.test."} {
		r := ask(t, s, "udp", q, dns.TypeA)
		if r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
			t.Fatalf("%s: not a referral: %v", q, r)
		}
		if len(r.Ns) != 1 || r.Ns[0].(*dns.NS).Ns != "ns1.example.test." {
			t.Errorf("%s: authority: %v", q, r.Ns)
		}
		if len(r.Extra) != 1 || r.Extra[0].Header().Name != "ns1.example.test." {
			t.Errorf("%s: glue: %v", q, r.Extra)
		}
	}
	r := ask(t, s, "udp", "example.test.", dns.TypeDS)
	if !r.Authoritative || len(r.Answer) != 0 || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("DS at the cut is the parent's NODATA: %v", r)
	}
}

func TestTruncation(t *testing.T) {
	var b strings.Builder
	b.WriteString(childZone)
	for i := range 60 {
		b.WriteString("big TXT \"" + strings.Repeat("x", 20) + string(rune('a'+i%26)) + strings.Repeat("y", i) + "\"\n")
	}
	s := newServer(t, "example.test.", b.String())
	if r := ask(t, s, "udp", "big.example.test.", dns.TypeTXT); !r.Truncated {
		t.Errorf("large UDP answer not truncated (%d answers)", len(r.Answer))
	}
	if r := ask(t, s, "tcp", "big.example.test.", dns.TypeTXT); r.Truncated || len(r.Answer) != 60 {
		t.Errorf("TCP: truncated=%v answers=%d", r.Truncated, len(r.Answer))
	}
}

func TestProviderRoundTrip(t *testing.T) {
	s := newServer(t, "example.test.", childZone)
	ctx := context.Background()
	p, err := dnsprov.New(dnsprov.Config{Server: s.Addr().String(), KeyName: keyName, KeyAlg: "hmac-sha256", Key: secret, Chunk: 3})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := p.Records(ctx, "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 6 {
		t.Fatalf("AXFR: %d RRsets: %v", len(sets), sets)
	}
	serial := s.Serial("example.test.")
	var changes []plan.Change
	for i := range 5 {
		changes = append(changes, plan.Change{Action: plan.Create, New: &zone.RRset{
			Name: "h" + string(rune('0'+i)) + ".example.test.", Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.1", "192.0.2.2"}}})
	}
	www := zone.RRset{Name: "www.example.test.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.10"}}
	changes = append(changes,
		plan.Change{Action: plan.Update, Old: &www, New: &zone.RRset{Name: www.Name, Type: dns.TypeA, TTL: 120, Values: []string{"192.0.2.11"}}},
		plan.Change{Action: plan.Delete, Old: &zone.RRset{Name: "alias.example.test.", Type: dns.TypeCNAME, TTL: 300, Values: []string{"www.example.test."}}},
		plan.Change{Action: plan.Update,
			Old: &zone.RRset{Name: "example.test.", Type: dns.TypeNS, TTL: 300, Values: []string{"ns1.example.test."}},
			New: &zone.RRset{Name: "example.test.", Type: dns.TypeNS, TTL: 300, Values: []string{"ns2.example.test."}}},
		plan.Change{Action: plan.Create, New: &zone.RRset{Name: "example.test.", Type: dns.TypeTXT, TTL: 300,
			Values: []string{`"v=spf1 -all"`}}},
	)
	if err := p.Apply(ctx, "example.test.", changes); err != nil {
		t.Fatal(err)
	}
	if got := s.Updates(); got < 3 {
		t.Errorf("chunk 3 should need several UPDATE messages, got %d", got)
	}
	if s.Serial("example.test.") <= serial {
		t.Errorf("serial not bumped: %d", s.Serial("example.test."))
	}
	after, err := p.Records(ctx, "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, set := range after {
		got[set.Name+" "+zone.TypeString(set.Type)] = strings.Join(set.Values, ",")
	}
	want := map[string]string{
		"www.example.test. A":       "192.0.2.11",
		"h3.example.test. A":        "192.0.2.1,192.0.2.2",
		"example.test. NS":          "ns2.example.test.",
		"example.test. TXT":         `"v=spf1 -all"`,
		"alias.example.test. CNAME": "",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	// Unsigned and wrongly signed updates are refused.
	for _, cfg := range []dnsprov.Config{
		{Server: s.Addr().String()},
		{Server: s.Addr().String(), KeyName: keyName, Key: "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3I="},
	} {
		bad, err := dnsprov.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := bad.Apply(ctx, "example.test.", changes[:1]); err == nil {
			t.Errorf("update with key %q accepted", cfg.KeyName)
		}
		if _, err := bad.Records(ctx, "example.test."); err == nil {
			t.Errorf("AXFR with key %q accepted", cfg.KeyName)
		}
	}
}

func TestRegistrar(t *testing.T) {
	s := newServer(t, "test.", parentZone)
	ctx := context.Background()
	r, err := regprov.New(regprov.Config{Server: s.Addr().String(), Zone: "test.", KeyName: keyName, Key: secret, TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := r.Nameservers(ctx, "example.test.")
	if err != nil || !slices.Equal(ns, []string{"ns1.example.test."}) {
		t.Fatalf("Nameservers = %v, %v", ns, err)
	}
	set := nameserver.Set{
		{Name: "ns1.example.test.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:5300")}},
		{Name: "ns2.example.test.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.3:5300")}},
		{Name: "ns.other.test."},
	}
	if _, err := r.SetNameservers(ctx, "example.test.", set); err != nil {
		t.Fatal(err)
	}
	ns, err = r.Nameservers(ctx, "example.test.")
	if err != nil || !slices.Equal(ns, []string{"ns.other.test.", "ns1.example.test.", "ns2.example.test."}) {
		t.Fatalf("after update: Nameservers = %v, %v", ns, err)
	}
	resp := ask(t, s, "udp", "www.example.test.", dns.TypeA)
	var glue []string
	for _, rr := range resp.Extra {
		if a, ok := rr.(*dns.A); ok {
			glue = append(glue, a.Hdr.Name+"="+a.A.String())
		}
	}
	slices.Sort(glue)
	if !slices.Equal(glue, []string{"ns1.example.test.=127.0.0.2", "ns2.example.test.=127.0.0.3"}) {
		t.Errorf("glue = %v", glue)
	}
	// Back to one nameserver: the old glue goes away.
	if _, err := r.SetNameservers(ctx, "example.test.", set[1:2]); err != nil {
		t.Fatal(err)
	}
	if ns, _ := r.Nameservers(ctx, "example.test."); !slices.Equal(ns, []string{"ns2.example.test."}) {
		t.Errorf("Nameservers = %v", ns)
	}
	for _, rr := range s.Records("test.") {
		if rr.Header().Name == "ns1.example.test." {
			t.Errorf("stale glue left: %v", rr)
		}
	}
}

func TestStopStart(t *testing.T) {
	s := newServer(t, "example.test.", childZone)
	s.Stop()
	m := new(dns.Msg)
	m.SetQuestion("www.example.test.", dns.TypeA)
	c := &dns.Client{Net: "udp", Timeout: 300 * time.Millisecond}
	if _, _, err := c.Exchange(m, s.Addr().String()); err == nil {
		t.Fatal("a stopped server answered")
	}
	s.Start()
	if r := ask(t, s, "udp", "www.example.test.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("after Start: %v", r)
	}
}

// TestLargeTransfer: an AXFR of several messages, each TSIG-signed, read by the provider.
func TestLargeTransfer(t *testing.T) {
	var b strings.Builder
	b.WriteString(childZone)
	for i := range 1000 {
		fmt.Fprintf(&b, "h%d A 192.0.2.%d\n", i, i%250+1)
	}
	s := newServer(t, "example.test.", b.String())
	p, err := dnsprov.New(dnsprov.Config{Server: s.Addr().String(), KeyName: keyName, Key: secret})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := p.Records(context.Background(), "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1006 {
		t.Errorf("AXFR returned %d RRsets, want 1006", len(sets))
	}
}

func TestUpdateErrors(t *testing.T) {
	s := newServer(t, "example.test.", childZone)
	send := func(zone string, rrs ...dns.RR) int {
		t.Helper()
		m := new(dns.Msg)
		m.SetUpdate(zone)
		m.Insert(rrs)
		m.SetTsig(keyName, dns.HmacSHA256, 300, time.Now().Unix())
		c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{keyName: secret}}
		r, _, err := c.Exchange(m, s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return r.Rcode
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	serial := s.Serial("example.test.")
	if rc := send("example.org.", rr("x.example.org. 60 A 192.0.2.1")); rc != dns.RcodeRefused {
		t.Errorf("foreign zone: rcode %s", dns.RcodeToString[rc])
	}
	if rc := send("example.test.", rr("x.example.test. 60 A 192.0.2.1"), rr("x.example.org. 60 A 192.0.2.1")); rc != dns.RcodeNotZone {
		t.Errorf("out-of-zone name: rcode %s", dns.RcodeToString[rc])
	}
	if got := s.Serial("example.test."); got != serial {
		t.Errorf("a refused update changed the zone (serial %d -> %d)", serial, got)
	}
	if r := ask(t, s, "udp", "x.example.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("refused update half applied: %v", r)
	}
	// An explicit newer SOA replaces the SOA and is not incremented again.
	if rc := send("example.test.", rr("example.test. 300 SOA ns1.example.test. hostmaster.example.test. 100 3600 600 86400 60")); rc != dns.RcodeSuccess {
		t.Fatalf("SOA update: rcode %s", dns.RcodeToString[rc])
	}
	if got := s.Serial("example.test."); got != 100 {
		t.Errorf("serial %d, want 100", got)
	}
	// CNAME next to other data is ignored, like BIND does.
	if rc := send("example.test.", rr("www.example.test. 60 CNAME other.example.test.")); rc != dns.RcodeSuccess {
		t.Fatalf("rcode %s", dns.RcodeToString[rc])
	}
	if r := ask(t, s, "udp", "www.example.test.", dns.TypeCNAME); len(r.Answer) != 0 {
		t.Errorf("CNAME added next to A: %v", r.Answer)
	}
}
