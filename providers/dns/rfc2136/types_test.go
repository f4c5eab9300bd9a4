package rfc2136

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// oddTypes holds records BIND reads that miekg/dns alone cannot: IPSECKEY in every RFC 4025
// gateway form (miekg's reader runs into the next line), one split over lines; NULL (no
// presentation format); WKS and NSAP (types miekg does not know); GPOS quoted and NAPTR with
// unquoted flags, services and regexp; APL without items.
const oddTypes = `$ORIGIN example.test.
$TTL 300
@ SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ NS ns1.example.test.
ns1 A 192.0.2.53
ns2 A 192.0.2.54
ip0 IPSECKEY 10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
ip1 IPSECKEY ( 10 1 2
   192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJt
   ugbo6BSGvgqt4AQ== )
ip2 IPSECKEY 10 2 2 2001:0DB8:0:8002::2000:1 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
ip3 IN 300 IPSECKEY 10 3 2 Gateway.Example.test. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
null NULL \# 3 010203
gpos GPOS "-32.6882" "116.8652" "10.0"
naptr NAPTR 100 10 S SIP+D2U !^.*$!sip:customer@example.com! _sip._udp.example.test.
nsap NSAP 0x47.0005.80.005a00.0000.0001.e133.ffffff000162.00
wks WKS 192.0.2.1 tcp 21 25
wks2 WKS 192.0.2.2 17 53
apl0 APL
apl1 APL 1:192.168.32.0/21 !1:192.168.38.0/28
after A 192.0.2.9
`

// TestTypesBINDReads: BIND loads oddTypes and serves exactly what twinzone parses from it
// (the plan is empty), and a sync of it into an empty BIND re-plans empty.
func TestTypesBINDReads(t *testing.T) {
	desired, err := zone.Parse(strings.NewReader(oddTypes), testOrigin, "types.zone")
	if err != nil {
		t.Fatal(err)
	}
	if p := desired.Line(zone.Key{Name: "after.example.test.", Type: 1}); p.Line != 21 {
		t.Errorf("the record after them is at %v, want line 21", p)
	}
	key := dnsserver.TestKey
	loaded := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: oddTypes}}, Key: &key})
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
		t.Errorf("BIND loaded the file, yet twinzone plans %s %s: old %v new %v", c.Action, c.Key(), vals(c.Old), vals(c.New))
	}
	q := newTestProvider(t, startServer(t, dnsserver.StartBIND), 0)
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
}

// TestTypeErrorsNameTheLine: a bad record of these types is refused on its own line.
func TestTypeErrorsNameTheLine(t *testing.T) {
	const head = "$ORIGIN example.test.\n$TTL 300\nok A 192.0.2.1\n" // lines 1-3
	for _, tc := range []struct{ text, want string }{
		{head + "ip IPSECKEY 10 4 2 . AQNR\nx A 192.0.2.2\n", "types.zone:4: IPSECKEY record: IPSECKEY gateway type 4 is not defined"},
		{head + "ip IPSECKEY 10 1 2 2001:db8::1 AQNR\n", "types.zone:4: IPSECKEY record: IPSECKEY gateway type 1 wants an IPv4 address"},
		{head + "ip IPSECKEY ( 10 1 2\n 192.0.2.1 AQNR )\nbad A 192.0.2\n", "types.zone:6: "},
		{head + "w WKS 192.0.2.1 tcp nosuchservice\n", "types.zone:4: WKS record: WKS service \"nosuchservice\""},
		{head + "n NSAP 0x123\n", "types.zone:4: NSAP record: NSAP \"0x123\": want an even number"},
		{head + "n NAPTR 100 10 S SIP+D2U !x!y!\n", "types.zone:4: NAPTR record: NAPTR needs"},
	} {
		_, err := zone.Parse(strings.NewReader(tc.text), testOrigin, "types.zone")
		var ze *zone.Error
		if !errors.As(err, &ze) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}
