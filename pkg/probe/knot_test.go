package probe_test

import (
	"context"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// TestKnot probes a real Knot: authoritative answers over UDP and TCP with the stamp, a stale
// stamp, and a zone Knot does not serve.
func TestKnot(t *testing.T) {
	text := `$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 2026112207 3600 600 86400 60
@ NS ns1
ns1 A 127.0.0.1
_twinzone TXT "v=tz1 h=` + stamp + `"
`
	knot := dnsserver.StartKnot(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: zone, Text: text}}})
	p := &probe.Prober{Timeout: 2 * time.Second, TCPEvery: 2}
	targets := []probe.Target{{Provider: "knot", Nameserver: "ns1.example.test.", Addr: knot.AddrPort()}}
	ctx := context.Background()
	for _, round := range []int{1, 2} {
		res := p.Round(ctx, targets, zone, tz(stamp), round).Results[0]
		if res.Reason != probe.OK || res.Serial != 2026112207 || res.Stamp.Hash != stamp {
			t.Fatalf("round %d: %+v", round, res)
		}
		if want := map[int]string{1: "udp", 2: "tcp"}[round]; res.Transport != want {
			t.Fatalf("round %d transport %s", round, res.Transport)
		}
	}
	if res := p.Round(ctx, targets, zone, tz(other), 1).Results[0]; res.Reason != probe.StaleStamp || res.Stamp.Hash != stamp {
		t.Fatalf("stale: %+v", res)
	}
	if res := p.Round(ctx, targets, "notserved.test.", tz(""), 1).Results[0]; res.Healthy() {
		t.Fatalf("zone not served: %+v", res)
	} else {
		t.Logf("zone not served: %s (%s)", res.Reason, res.Detail)
	}
}
