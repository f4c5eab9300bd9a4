package rfc2136

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

const parentZone = `$TTL 3600
test. IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
test. IN NS ns.test.
ns.test. IN A 192.0.2.250
example.test. IN NS ns1.example.test.
example.test. IN NS a.ns.other.
ns1.example.test. IN A 192.0.2.1
other.test. IN NS ns.other.
`

var key = dnsserver.TestKey

func set(t *testing.T, specs ...string) nameserver.Set {
	t.Helper()
	var s nameserver.Set
	for _, x := range specs {
		ns, err := nameserver.Parse(x)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, ns)
	}
	return s
}

// wantAfter is the parent zone (without SOA) after switching example.test. to the new set.
var wantAfter = []string{
	"example.test. NS a.sec.net.",
	"example.test. NS ns2.example.test.",
	"ns.test. A 192.0.2.250",
	"ns2.example.test. A 192.0.2.2",
	"ns2.example.test. AAAA 2001:db8::2",
	"other.test. NS ns.other.",
	"test. NS ns.test.",
}

// exercise runs the registrar against a parent server and checks the zone with records().
func exercise(t *testing.T, server string, records func() []string) {
	ctx := context.Background()
	r, err := New(Config{Server: server, Zone: "test", KeyName: key.Name, KeyAlg: key.Alg, Key: key.Secret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Nameservers(ctx, "example.test.")
	if err != nil || !slices.Equal(got, []string{"a.ns.other.", "ns1.example.test."}) {
		t.Fatalf("Nameservers = %v, %v", got, err)
	}
	if _, err := r.SetNameservers(ctx, "example.test.", set(t, "a.sec.net.", "NS2.example.test.=192.0.2.2,[2001:db8::2]:5300")); err != nil {
		t.Fatal(err)
	}
	if got := records(); !slices.Equal(got, wantAfter) {
		t.Errorf("parent zone after update:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAfter, "\n"))
	}
	got, err = r.Nameservers(ctx, "example.test.")
	if err != nil || !slices.Equal(got, []string{"a.sec.net.", "ns2.example.test."}) {
		t.Errorf("Nameservers after = %v, %v", got, err)
	}

	// A new delegation (the child does not exist in the parent yet).
	if got, err := r.Nameservers(ctx, "fresh.test."); err != nil || len(got) != 0 {
		t.Errorf("undelegated child: %v, %v", got, err)
	}
	if _, err := r.SetNameservers(ctx, "fresh.test.", set(t, "a.sec.net.")); err != nil {
		t.Errorf("new delegation: %v", err)
	}
	if got, err := r.Nameservers(ctx, "fresh.test."); err != nil || !slices.Equal(got, []string{"a.sec.net."}) {
		t.Errorf("new delegation reads back %v, %v", got, err)
	}
	want := slices.Concat(wantAfter, []string{"fresh.test. NS a.sec.net."})
	slices.Sort(want)

	// Refused before sending: in-bailiwick name without glue; not a child of the zone.
	if _, err := r.SetNameservers(ctx, "example.test.", set(t, "ns3.example.test.")); err == nil || !strings.Contains(err.Error(), "needs glue") {
		t.Errorf("no glue: %v", err)
	}
	if _, err := r.SetNameservers(ctx, "example.com.", set(t, "a.b.")); err == nil {
		t.Errorf("outside the parent zone accepted")
	}
	// A wrong key is refused by the server and changes nothing.
	bad, _ := New(Config{Server: server, Zone: "test.", KeyName: key.Name, Key: "d3JvbmctdGVzdC1rZXktZm9yLXR3aW56b25lLTAxMjM=", Timeout: 5 * time.Second})
	if _, err := bad.SetNameservers(ctx, "example.test.", set(t, "x.y.")); err == nil || strings.Contains(err.Error(), "d3Jvbmc") {
		t.Errorf("wrong key: %v", err)
	}
	if got := records(); !slices.Equal(got, want) {
		t.Errorf("zone changed by refused updates:\n%s", strings.Join(got, "\n"))
	}
}

func TestInProcessParent(t *testing.T) {
	p := startParent(t, "test.", parentZone, key.Name, key.Secret)
	exercise(t, p.addr, p.records)
	if p.updates != 2 {
		t.Errorf("%d UPDATE messages applied, want exactly 2 (one per SetNameservers)", p.updates)
	}
}

func axfr(t *testing.T, addr string) func() []string {
	return func() []string {
		tr := &dns.Transfer{TsigSecret: map[string]string{key.Name: key.Secret}}
		m := new(dns.Msg)
		m.SetAxfr("test.")
		m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
		ch, err := tr.In(m, addr)
		if err != nil {
			t.Fatalf("axfr: %v", err)
		}
		var rrs []dns.RR
		for env := range ch {
			if env.Error != nil {
				t.Fatalf("axfr: %v", env.Error)
			}
			rrs = append(rrs, env.RR...)
		}
		return lines(rrs)
	}
}

func TestBIND(t *testing.T) {
	s := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "test.", Text: parentZone}}, Key: &key})
	exercise(t, s.Addr, axfr(t, s.Addr))
}

func TestKnot(t *testing.T) {
	s := dnsserver.StartKnot(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "test.", Text: parentZone}}, Key: &key})
	exercise(t, s.Addr, axfr(t, s.Addr))
}

func TestMessageIsOneAtomicUpdate(t *testing.T) {
	r, _ := New(Config{Server: "127.0.0.1:1", Zone: "test."})
	m, err := r.Message("example.test.", []string{"ns1.example.test.", "a.ns.other."}, 3600, set(t, "ns2.example.test.=192.0.2.2"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rr := range m.Ns {
		got = append(got, dns.ClassToString[rr.Header().Class]+" "+rr.Header().Name+" "+dns.TypeToString[rr.Header().Rrtype])
	}
	want := []string{"ANY example.test. NS", "ANY ns1.example.test. A", "ANY ns1.example.test. AAAA", "ANY ns2.example.test. A",
		"ANY ns2.example.test. AAAA", "IN example.test. NS", "IN ns2.example.test. A"}
	if !slices.Equal(got, want) {
		t.Errorf("update section:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKeepsParentTTL: the UPDATE writes the NS and glue with the TTL the parent already uses for
// the delegation (86400 here), not a fixed 3600; a new delegation gets DefaultTTL, and an
// explicit Config.TTL wins.
func TestKeepsParentTTL(t *testing.T) {
	zone := strings.Replace(parentZone, "example.test. IN NS ns1.example.test.\nexample.test. IN NS a.ns.other.",
		"example.test. 86400 IN NS ns1.example.test.\nexample.test. 86400 IN NS a.ns.other.", 1)
	s := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "test.", Text: zone}}, Key: &key})
	ctx := context.Background()
	ttls := func(name string, qtype uint16) []uint32 {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.RecursionDesired = false
		resp, err := dns.Exchange(m, s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		var out []uint32
		for _, rr := range slices.Concat(resp.Answer, resp.Ns, resp.Extra) {
			if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, name) {
				out = append(out, rr.Header().Ttl)
			}
		}
		return out
	}
	r, err := New(Config{Server: s.Addr, Zone: "test.", KeyName: key.Name, Key: key.Secret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetNameservers(ctx, "example.test.", set(t, "a.sec.net.", "ns2.example.test.=192.0.2.2")); err != nil {
		t.Fatal(err)
	}
	if got := ttls("example.test.", dns.TypeNS); !slices.Equal(got, []uint32{86400, 86400}) {
		t.Errorf("NS TTLs after the change %v, want the parent's 86400", got)
	}
	if got := ttls("ns2.example.test.", dns.TypeA); !slices.Equal(got, []uint32{86400}) {
		t.Errorf("glue TTL %v, want 86400", got)
	}
	if _, err := r.SetNameservers(ctx, "fresh.test.", set(t, "a.sec.net.")); err != nil {
		t.Fatal(err)
	}
	if got := ttls("fresh.test.", dns.TypeNS); !slices.Equal(got, []uint32{DefaultTTL}) {
		t.Errorf("new delegation TTL %v, want %d", got, DefaultTTL)
	}
	fixed, _ := New(Config{Server: s.Addr, Zone: "test.", KeyName: key.Name, Key: key.Secret, TTL: 600, Timeout: 5 * time.Second})
	if _, err := fixed.SetNameservers(ctx, "example.test.", set(t, "a.sec.net.")); err != nil {
		t.Fatal(err)
	}
	if got := ttls("example.test.", dns.TypeNS); !slices.Equal(got, []uint32{600}) {
		t.Errorf("explicit TTL: %v, want 600", got)
	}
}
