package probe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
)

// FuzzReply feeds arbitrary bytes to the prober as the server's reply (with the query's ID
// patched in, so that they are parsed rather than skipped). The prober must never panic and,
// since one fixed reply cannot answer both the SOA and the stamp question, never report OK.
func FuzzReply(f *testing.F) {
	good := new(dns.Msg)
	good.SetQuestion(zone, dns.TypeSOA)
	good.Response, good.Authoritative = true, true
	good.Answer = append(good.Answer, &dns.SOA{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
		Ns: "ns." + zone, Mbox: "h." + zone, Serial: 7})
	wire, _ := good.Pack()
	f.Add(wire)
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Add([]byte(strings.Repeat("\xff", 80)))
	f.Add(append(append([]byte{}, wire[:20]...), 0xc0, 0x0c, 0xc0, 0x0c))

	s := probetest.Start(f, zone)
	s.SetMode(probetest.Raw)
	// A reply the prober cannot use is ignored until the timeout (as a resolver does), so most
	// inputs cost one timeout: keep it short, the target never expects an answer in time.
	p := &probe.Prober{Timeout: 20 * time.Millisecond, TCPEvery: 4}
	target := s.Target("p", "ns1.p.test.")
	f.Fuzz(func(t *testing.T, reply []byte) {
		s.SetRaw(reply, true)
		for _, round := range []int{1, 4} {
			res := p.Round(context.Background(), []probe.Target{target}, zone, tz(stamp), round).Results[0]
			if res.Healthy() {
				t.Fatalf("round %d: OK for a fixed reply %x: %+v", round, reply, res)
			}
			if res.Reason == "" {
				t.Fatalf("empty reason: %+v", res)
			}
		}
	})
}
