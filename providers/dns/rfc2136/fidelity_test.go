package rfc2136

import (
	"context"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// fidelityZone holds records whose spelling in a zone file differs from the way BIND and Knot
// serve them back: escaped owner names and targets, SVCB mandatory keys out of order, hex in
// in either case (TLSA, SSHFP, SMIMEA, ZONEMD, RFC 3597; servers print them upper-case, miekg/dns
// lower-case after reading the wire).
const fidelityZone = `$ORIGIN example.test.
$TTL 900
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 900
@ IN NS ns1.example.test.
@ IN NS ns2.example.test.
ns1 IN A 192.0.2.53
ns2 IN A 192.0.2.54
\065bc IN A 192.0.2.1
space\032label IN TXT "x"
caf\195\169 IN A 192.0.2.2
dot\.inside IN A 192.0.2.3
alias IN CNAME \065bc.example.test.
svc IN SVCB 1 . mandatory=port,alpn alpn=h2 port=8443
web IN HTTPS 1 . mandatory=ipv4hint,alpn ipv4hint=192.0.2.9 alpn=h3
_443._tcp IN TLSA 3 1 1 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789
ssh IN SSHFP 4 2 ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789
mail IN SMIMEA 3 1 1 ABCDEF0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789
md IN ZONEMD 2021071219 1 1 ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789
unk IN TYPE65280 \# 4 ABCDEF01
`

// TestFidelityServedBack: what BIND and Knot load from fidelityZone and serve by AXFR is what
// twinzone parses from it (the plan is empty), and a sync of the parsed zone into an empty
// server re-plans empty.
func TestFidelityServedBack(t *testing.T) {
	desired, err := zone.Parse(strings.NewReader(fidelityZone), testOrigin, "fidelity.zone")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		start startFunc
	}{{"BIND", dnsserver.StartBIND}, {"Knot", dnsserver.StartKnot}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := dnsserver.TestKey
			loaded := tc.start(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: fidelityZone}}, Key: &key})
			p := newTestProvider(t, loaded, 0)
			served, err := p.Records(context.Background(), testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			opts := plan.Options{Origin: testOrigin, Traits: p.Traits()}
			pl, err := plan.Calculate(desired.RRsets, served, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range pl.Changes {
				t.Errorf("the server loaded the file, yet twinzone plans %s %s: old %v new %v", c.Action, c.Key(), vals(c.Old), vals(c.New))
			}

			empty := startServer(t, tc.start)
			q := newTestProvider(t, empty, 0)
			if err := sync(t, q, desired.RRsets); err != nil {
				t.Fatalf("sync: %v", err)
			}
			cur, err := q.Records(context.Background(), testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			if pl, err := plan.Calculate(desired.RRsets, cur, opts); err != nil || !pl.Empty() {
				t.Errorf("second plan after a sync is not empty (%v): %v", err, pl.Changes)
			}
		})
	}
}

// TestNoTTLTakesSOAMinimum: a file without $TTL or TTLs whose lines carry a class (miekg/dns
// alone gives TTL 0) gets the SOA minimum with a warning, as BIND serves it; Knot uses its
// default-ttl (3600) instead, which the warning names.
func TestNoTTLTakesSOAMinimum(t *testing.T) {
	text := strings.Replace(fidelityZone, "$TTL 900\n", "", 1)
	desired, err := zone.Parse(strings.NewReader(text), testOrigin, "nottl.zone")
	if err != nil {
		t.Fatal(err)
	}
	if len(desired.Warnings) != 1 || !strings.Contains(desired.Warnings[0].Error(), "nottl.zone:2: no TTL and no $TTL: using the SOA minimum 900") {
		t.Errorf("warnings: %v", desired.Warnings)
	}
	for _, s := range desired.RRsets {
		if s.TTL != 900 {
			t.Errorf("%s has TTL %d, want the SOA minimum 900", s.Key(), s.TTL)
		}
	}
	for _, tc := range []struct {
		name  string
		start startFunc
		ttl   uint32
	}{{"BIND", dnsserver.StartBIND, 900}, {"Knot", dnsserver.StartKnot, 3600}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := dnsserver.TestKey
			s := tc.start(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: text}}, Key: &key})
			served, err := newTestProvider(t, s, 0).Records(context.Background(), testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range served {
				if r.TTL != tc.ttl {
					t.Errorf("%s serves %s with TTL %d, want %d", tc.name, r.Key(), r.TTL, tc.ttl)
				}
			}
		})
	}
}

func vals(s *zone.RRset) []string {
	if s == nil {
		return nil
	}
	return s.Values
}
