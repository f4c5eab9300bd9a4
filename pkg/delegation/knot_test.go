package delegation

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

const parentZone = `$ORIGIN test.
$TTL 300
@        SOA ns.test. hostmaster.test. 1 3600 600 86400 60
@        NS  ns.test.
ns       A   127.0.0.1
child 7200 NS  ns1.prov-a.example.
child 7200 NS  ns2.prov-a.example.
child 3600 DS  12345 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
`

// TestKnotParent reads the delegation from a real Knot serving the parent zone, then moves it by
// dynamic update (as the rfc2136 registrar does) and waits for the new set.
func TestKnotParent(t *testing.T) {
	knot := dnsserver.StartKnot(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "test.", Text: parentZone}}})
	servers := []netip.AddrPort{knot.AddrPort()}
	r := reader()
	r.Timeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := r.Delegation(ctx, servers, child)
	if err != nil {
		t.Fatal(err)
	}
	if join(d.NS) != "ns1.prov-a.example. ns2.prov-a.example." || d.NSTTL != 7200 || !d.Agree {
		t.Fatalf("delegation %+v", d)
	}
	if len(d.DS) != 1 || d.DS[0].KeyTag != 12345 || d.Servers[0].DSTTL != 3600 {
		t.Fatalf("DS %v", d.DS)
	}

	u := new(dns.Msg)
	u.SetUpdate("test.")
	u.RemoveRRset([]dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: child, Rrtype: dns.TypeNS, Class: dns.ClassINET}}})
	var ins []dns.RR
	for _, n := range []string{"ns-1.prov-b.example.", "ns-2.prov-b.example."} {
		rr, _ := dns.NewRR(child + " 7200 IN NS " + n)
		ins = append(ins, rr)
	}
	u.Insert(ins)
	reply, _, err := (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, u, knot.Addr)
	if err != nil || reply.Rcode != dns.RcodeSuccess {
		t.Fatalf("update: %v %v", err, reply)
	}
	if _, err := r.WaitFor(ctx, servers, child, []string{"NS-2.prov-b.example", "ns-1.prov-b.example."}, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
