package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// withGlue adds the apex NS addresses of baseZone (a plan without them deletes them, and BIND
// refuses an update that leaves in-zone apex NS names without addresses).
func withGlue(sets ...zone.RRset) []zone.RRset {
	sets = append(sets,
		zone.RRset{Name: "ns1." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.53"}},
		zone.RRset{Name: "ns2." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.54"}})
	zone.Sort(sets)
	return sets
}

// bigRRset is one A RRset of n records, 10.x.y.z from first on.
func bigRRset(name string, ttl uint32, first, n int) zone.RRset {
	s := zone.RRset{Name: name, Type: dns.TypeA, TTL: ttl}
	for i := first; i < first+n; i++ {
		s.Values = append(s.Values, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	zone.Sort([]zone.RRset{s})
	return s
}

// TestLargeRRsets: RRsets of thousands of records (an UPDATE message holds about 1,900 such A
// records uncompressed; Knot cannot send one RRset over 64 KiB in AXFR, about 4,000 of them)
// sync to BIND and Knot, change (values and TTL) and re-plan empty; before, a 3,001-record
// message was "too large" and nothing was written.
func TestLargeRRsets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start startFunc
	}{{"BIND", dnsserver.StartBIND}, {"Knot", dnsserver.StartKnot}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, tc.start)
			p := newTestProvider(t, s, 0)
			for step, want := range [][]zone.RRset{
				withGlue(bigRRset("many."+testOrigin, 300, 0, 3500), bigRRset("some."+testOrigin, 300, 0, 2500)),
				withGlue(bigRRset("many."+testOrigin, 300, 500, 3500), bigRRset("some."+testOrigin, 60, 0, 2500)), // 500 out, 500 in; a new TTL
			} {
				sent := 0
				p.afterChunk = func(int) { sent++ }
				if err := sync(t, p, want); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				checkAXFR(t, p, want)
				if sent < 2 {
					t.Errorf("step %d: %d UPDATE messages; the 3,500-record RRset needs several", step, sent)
				}
				cur, err := p.Records(context.Background(), testOrigin)
				if err != nil {
					t.Fatal(err)
				}
				if pl, err := plan.Calculate(want, cur, plan.Options{Origin: testOrigin, Traits: p.Traits()}); err != nil || !pl.Empty() {
					t.Errorf("step %d: plan after sync not empty: %v %v", step, err, pl)
				}
			}
		})
	}
}

// TestMessagesBySize: a first sync of 3,000 small RRsets takes as many messages as their
// size needs (about 63 KiB each), not one per 500 records counting each RRset's deletion.
func TestMessagesBySize(t *testing.T) {
	var changes []plan.Change
	size := 0
	for i := 0; i < 3000; i++ {
		s := bigRRset(fmt.Sprintf("h%04d.%s", i, testOrigin), 300, i, 1)
		changes = append(changes, plan.Change{Action: plan.Create, New: &s})
	}
	p, err := New(Config{Server: "127.0.0.1:53"})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := buildOps(testOrigin, changes)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		size += o.bytes
	}
	chunks := p.chunkOps(ops)
	if want := size/maxMsgBytes + 1; len(chunks) != want {
		t.Errorf("%d messages for %d bytes, want %d", len(chunks), size, want)
	}
	for i, c := range chunks {
		n := 0
		for _, o := range c {
			n += o.bytes
		}
		if n > maxMsgBytes {
			t.Errorf("message %d: %d bytes", i, n)
		}
	}
}

// TestBINDRecordLimit: BIND 9.18 answers an UPDATE that grows an RRset over its
// max-records-per-type (100 by default) with SERVFAIL. That is a permanent, named error, not
// a transient one to retry.
func TestBINDRecordLimit(t *testing.T) {
	key := dnsserver.TestKey
	s := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: baseZone}}, Key: &key, MaxRecordsPerType: 100})
	p := newTestProvider(t, s, 0)
	err := sync(t, p, withGlue(bigRRset("many."+testOrigin, 300, 0, 150)))
	if err == nil {
		t.Fatal("BIND accepted an RRset over max-records-per-type")
	}
	if !errors.Is(err, ErrRecordLimit) || errors.Is(err, provider.ErrTransient) {
		t.Errorf("want a permanent ErrRecordLimit, got %v (transient %v)", err, errors.Is(err, provider.ErrTransient))
	}
	t.Log(err)
	if err := sync(t, p, withGlue(bigRRset("many."+testOrigin, 300, 0, 100))); err != nil {
		t.Errorf("100 records (the limit): %v", err)
	}
}

// TestServerRecordsNotFought: BIND adds private TYPE65534 records at the apex of a zone it
// signs (the signing state). A sync of a zone file without them leaves them in place.
func TestServerRecordsNotFought(t *testing.T) {
	key := dnsserver.TestKey
	text := baseZone + "@ IN TYPE65534 \\# 5 0D12340001\n"
	s := dnsserver.StartBIND(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: text}}, Key: &key})
	p := newTestProvider(t, s, 0)
	want := withGlue(bigRRset("www."+testOrigin, 300, 1, 1))
	for range 2 {
		cur, err := p.Records(context.Background(), testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := plan.Calculate(want, cur, plan.Options{Origin: testOrigin, Traits: p.Traits()})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range pl.Changes {
			if c.Key().Type == 65534 {
				t.Errorf("plan touches BIND's signing record: %s %s", c.Action, c.Key())
			}
		}
		if err := p.Apply(context.Background(), testOrigin, pl.Changes); err != nil {
			t.Fatal(err)
		}
	}
	cur, _ := p.Records(context.Background(), testOrigin)
	found := false
	for _, r := range cur {
		found = found || r.Type == 65534
	}
	if !found {
		t.Error("the TYPE65534 record is gone")
	}
}
