package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// bigZone is a desired zone of more than 1,000 records: every fixture type plus generated
// A (two values each), AAAA, TXT (non-ASCII, long) and SRV RRsets. gen varies the generated
// values so that two generations differ in about half of their RRsets.
func bigZone(t *testing.T, gen int) []zone.RRset {
	t.Helper()
	sets := providertest.TypeFixtures(testOrigin)
	add := func(name string, typ uint16, values ...string) {
		rs := zone.RRset{Name: name + "." + testOrigin, Type: typ, TTL: 300}
		for _, v := range values {
			rr, err := zone.NewRR(rs.Name, rs.TTL, typ, v)
			if err != nil {
				t.Fatalf("%s %s: %v", name, v, err)
			}
			_, _, cv := zone.FromRR(rr)
			rs.Values = append(rs.Values, cv)
		}
		sets = append(sets, rs)
	}
	// The apex NS targets' addresses: BIND refuses updates that leave in-zone apex NS names
	// without addresses ("post update name server sanity check failed").
	add("ns1", dns.TypeA, "192.0.2.53")
	add("ns2", dns.TypeA, "192.0.2.54")
	for i := 0; i < 300; i++ {
		v := i
		if i%2 == 1 {
			v += gen * 7 // odd hosts change between generations
		}
		if gen == 1 && i%10 == 4 {
			continue // some hosts exist only in generation 0
		}
		add(fmt.Sprintf("host%03d", i), dns.TypeA, fmt.Sprintf("10.0.%d.%d", v/256, v%256), fmt.Sprintf("10.1.%d.%d", v/256, v%256))
		add(fmt.Sprintf("host%03d", i), dns.TypeAAAA, fmt.Sprintf("2001:db8::%x", v+1))
	}
	for i := 0; i < 150; i++ {
		add(fmt.Sprintf("t%03d", i), dns.TypeTXT, fmt.Sprintf(`"gen %d \"q\" caf\195\169 %s"`, gen*(i%2), strings.Repeat("x", i*2)))
		add(fmt.Sprintf("_s%03d._tcp", i), dns.TypeSRV, fmt.Sprintf("0 5 %d host%03d.%s", 1000+i+gen*(i%3), i, testOrigin))
	}
	if gen == 1 {
		for i := 0; i < 40; i++ {
			add(fmt.Sprintf("new%02d", i), dns.TypeCNAME, fmt.Sprintf("host%03d.%s", i, testOrigin))
		}
	}
	zone.Sort(sets)
	return sets
}

func countRecords(sets []zone.RRset) int {
	n := 0
	for _, s := range sets {
		n += len(s.Values)
	}
	return n
}

// managedMap is the canonical managed part of desired (no SOA, no apex NS), TXT canonical.
func managedMap(t *testing.T, desired []zone.RRset) map[zone.Key]zone.RRset {
	t.Helper()
	ms, err := providertest.Managed(&zone.Zone{Origin: testOrigin, RRsets: desired}, plan.Options{Origin: testOrigin})
	if err != nil {
		t.Fatal(err)
	}
	return toMap(ms)
}

func toMap(sets []zone.RRset) map[zone.Key]zone.RRset {
	m := map[zone.Key]zone.RRset{}
	for _, s := range sets {
		if s.Type == dns.TypeSOA || (s.Type == dns.TypeNS && s.Name == testOrigin) {
			continue
		}
		if s.Type == dns.TypeTXT {
			vs := make([]string, len(s.Values))
			for i, v := range s.Values {
				vs[i] = zone.CanonicalTXT(v)
			}
			slices.Sort(vs)
			s.Values = vs
		}
		m[s.Key()] = s
	}
	return m
}

func sync(t *testing.T, p *Provider, desired []zone.RRset) error {
	t.Helper()
	cur, err := p.Records(context.Background(), testOrigin)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	pl, err := plan.Calculate(desired, cur, plan.Options{Origin: testOrigin, Traits: p.Traits()})
	if err != nil {
		t.Fatal(err)
	}
	return p.Apply(context.Background(), testOrigin, pl.Changes)
}

// checkAXFR checks that the server serves exactly desired (SOA and apex NS aside).
func checkAXFR(t *testing.T, p *Provider, desired []zone.RRset) {
	t.Helper()
	got, err := p.Records(context.Background(), testOrigin)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	gm, wm := toMap(got), managedMap(t, desired)
	bad := 0
	for k, w := range wm {
		if g, ok := gm[k]; !ok || !g.Equal(w) {
			t.Errorf("%s: got %q (present %v), want %q", k, g.Values, ok, w.Values)
			bad++
		}
	}
	for k, g := range gm {
		if _, ok := wm[k]; !ok {
			t.Errorf("unexpected %s %q", k, g.Values)
			bad++
		}
	}
	if bad == 0 && len(gm) != len(wm) {
		t.Errorf("served %d RRsets, want %d", len(gm), len(wm))
	}
}

func testIntegration(t *testing.T, start startFunc) {
	s := startServer(t, start)
	gen0, gen1 := bigZone(t, 0), bigZone(t, 1)
	if n := countRecords(gen0); n < 1000 {
		t.Fatalf("zone has only %d records", n)
	}
	p := newTestProvider(t, s, 0)
	if err := sync(t, p, gen0); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	checkAXFR(t, p, gen0)

	// Interrupted: the server stops after the first of many small messages.
	pi := newTestProvider(t, s, 60)
	stopped := false
	pi.afterChunk = func(i int) {
		if i == 0 {
			s.Stop()
			stopped = true
		}
	}
	err := sync(t, pi, gen1)
	if !stopped {
		t.Fatal("afterChunk hook never ran")
	}
	if err == nil {
		t.Fatal("Apply succeeded although the server was stopped after the first message")
	}
	if !errors.Is(err, provider.ErrTransient) {
		t.Errorf("error for a stopped server is not transient: %v", err)
	}
	t.Logf("interrupted apply: %v", err)
	told := map[zone.Key]bool{} // the changes the error says took effect
	for _, c := range provider.AppliedBefore(err) {
		told[c.Key()] = true
	}
	s.Start()

	// Every RRset is old or new; some are new, not all.
	got, err := p.Records(context.Background(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	gm, old, want := toMap(got), managedMap(t, gen0), managedMap(t, gen1)
	keys := map[zone.Key]bool{}
	for _, m := range []map[zone.Key]zone.RRset{gm, old, want} {
		for k := range m {
			keys[k] = true
		}
	}
	isNew, changed := 0, 0
	for k := range keys {
		g, gok := gm[k]
		o, ook := old[k]
		w, wok := want[k]
		eqOld := gok == ook && (!gok || g.Equal(o))
		eqNew := gok == wok && (!gok || g.Equal(w))
		if !eqOld && !eqNew {
			t.Errorf("%s is neither old nor new: got %q (present %v)", k, g.Values, gok)
		}
		if !(ook == wok && (!ook || o.Equal(w))) {
			changed++
			if eqNew != told[k] {
				t.Errorf("%s: new on the server %v, but the error says applied %v", k, eqNew, told[k])
			}
			if eqNew {
				isNew++
			}
		}
	}
	if isNew == 0 || isNew == changed {
		t.Errorf("%d of %d changed RRsets applied; want some but not all", isNew, changed)
	}
	t.Logf("%d of %d changed RRsets applied before the stop", isNew, changed)

	if err := sync(t, p, gen1); err != nil {
		t.Fatalf("sync after restart: %v", err)
	}
	checkAXFR(t, p, gen1)
	cur, _ := p.Records(context.Background(), testOrigin)
	if pl, _ := plan.Calculate(gen1, cur, plan.Options{Origin: testOrigin, Traits: p.Traits()}); !pl.Empty() {
		t.Errorf("plan after convergence has %d changes", len(pl.Changes))
	}
}

func TestIntegrationBIND(t *testing.T) { testIntegration(t, dnsserver.StartBIND) }
func TestIntegrationKnot(t *testing.T) { testIntegration(t, dnsserver.StartKnot) }

func TestWrongKey(t *testing.T) {
	s := startServer(t, dnsserver.StartKnot)
	secret := "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0wMTIzNDU="
	p, err := New(Config{Server: s.Addr, KeyName: dnsserver.TestKey.Name, KeyAlg: "hmac-sha256", Key: secret})
	if err != nil {
		t.Fatal(err)
	}
	a := zone.RRset{Name: "w." + testOrigin, Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.1"}}
	err = p.Apply(context.Background(), testOrigin, []plan.Change{{Action: plan.Create, New: &a}})
	if err == nil {
		t.Fatal("update with a wrong key succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the secret: %v", err)
	}
	if !strings.Contains(err.Error(), "w.example.test. A") {
		t.Errorf("error does not name the RRset: %v", err)
	}
	if _, err := p.Records(context.Background(), testOrigin); err == nil {
		t.Error("AXFR with a wrong key succeeded")
	}
	t.Logf("%v", err)
}
