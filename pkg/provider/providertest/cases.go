package providertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TypeFixtures returns one or more RRsets per record type the suite round-trips, for zone z
// (absolute). Exported so adapters' integration tests can reuse the data.
func TypeFixtures(z string) []zone.RRset {
	long := strings.Repeat("0123456789", 31) // 310 bytes: two character-strings
	r := func(rel string, typ uint16, values ...string) zone.RRset {
		name := z
		if rel != "@" {
			name = rel + "." + z
		}
		vs := make([]string, len(values))
		for i, v := range values {
			vs[i] = strings.ReplaceAll(v, "$Z", z)
		}
		return canonical(zone.RRset{Name: name, Type: typ, TTL: 300, Values: vs})
	}
	return []zone.RRset{
		r("a", dns.TypeA, "192.0.2.1", "192.0.2.2"),
		r("aaaa", dns.TypeAAAA, "2001:db8::1"),
		r("cname", dns.TypeCNAME, "target.example.net."),
		r("@", dns.TypeMX, "10 mail.$Z", "20 mail2.$Z"),
		r("mail", dns.TypeA, "192.0.2.25"),
		r("txt", dns.TypeTXT,
			`"v=spf1 -all"`,
			`"`+long+`"`,
			`"say \"hi\" \\ back"`,
			`"caf\195\169 \255\000 bytes"`,
			`"two" "strings"`),
		r("_sip._tcp", dns.TypeSRV, "10 60 5060 sip.$Z", "20 0 5061 sip2.$Z"),
		r("@", dns.TypeCAA, `0 issue "letsencrypt.org"`, `0 iodef "mailto:hostmaster@example.net"`),
		r("https", dns.TypeHTTPS, `1 . alpn="h2,h3" port="8443" ipv4hint="192.0.2.1"`),
		r("_8443._foo.api", dns.TypeSVCB, `1 svc.$Z alpn="h2" port="8443"`),
		r("sub", dns.TypeNS, "ns1.sub.$Z", "ns2.sub.$Z"),
		r("ns1.sub", dns.TypeA, "192.0.2.53"),
		r("ns2.sub", dns.TypeAAAA, "2001:db8::53"),
		r("sub", dns.TypeDS, "12345 13 2 "+strings.Repeat("ab", 32)),
		r("ptr", dns.TypePTR, "host.example.net."),
		r("*.wild", dns.TypeA, "192.0.2.5"),
		r("MiXeD.CaSe", dns.TypeA, "192.0.2.6"),
	}
}

func (e *env) add(sets ...zone.RRset) {
	for _, s := range sets {
		s.Name = strings.ToLower(s.Name)
		e.desired[s.Key()] = s
	}
}

func (e *env) remove(keys ...zone.Key) {
	for _, k := range keys {
		delete(e.desired, k)
	}
}

func testMultiValue(t T, e *env) {
	vals := []string{"192.0.2.10", "192.0.2.11", "192.0.2.12"}
	e.add(e.set("multi", dns.TypeA, vals...))
	e.sync()
	e.add(e.set("multi", dns.TypeA, append(vals, "192.0.2.13", "192.0.2.14")...))
	e.sync()
	e.add(e.set("multi", dns.TypeA, "192.0.2.12"))
	e.sync()
	e.add(e.set("multi", dns.TypeA, "192.0.2.99", "192.0.2.98"))
	e.sync()
	ttl := e.set("multi", dns.TypeA, "192.0.2.99", "192.0.2.98")
	ttl.TTL = 600
	e.add(ttl) // TTL-only change
	e.sync()
}

// testApexNS changes the apex NS RRset, for providers that let twinzone write it.
func testApexNS(t T, e *env) {
	if !e.traits.ApexNSManaged {
		t.Skip("provider does not let twinzone write apex NS")
	}
	e.opts.ManageApexNS = true
	k := zone.Key{Name: e.zone, Type: dns.TypeNS}
	orig, ok := e.desired[k]
	if !ok {
		t.Skip("zone has no apex NS to start from")
	}
	grown := orig
	grown.Values = append(slices.Clone(orig.Values), "ns.example.net.")
	e.add(canonical(grown))
	e.sync()
	e.add(orig)
	e.sync()
}

func testTypes(t T, e *env) {
	n := 0
	for _, s := range TypeFixtures(e.zone) {
		if !e.supports(s.Type) {
			t.Logf("skipping %s: not in the provider's traits", s.TypeString())
			continue
		}
		if e.fixture != nil {
			f, ok := e.fixture(s)
			if !ok || len(f.Values) == 0 {
				t.Logf("skipping %s %s %q: left out by the caller's fixture filter", s.Name, s.TypeString(), s.Values)
				continue
			}
			if len(f.Values) != len(s.Values) {
				t.Logf("%s %s: caller's fixture filter keeps %d of %d values", s.Name, s.TypeString(), len(f.Values), len(s.Values))
			}
			s = f
		}
		e.add(s)
		n++
	}
	if n == 0 {
		t.Skip("provider supports none of the fixture types")
	}
	e.sync()
	if e.supports(dns.TypeCNAME) && e.supports(dns.TypeA) && e.supports(dns.TypeTXT) {
		// A CNAME replaces other data at a name, and the other way round.
		e.add(e.set("swap", dns.TypeA, "192.0.2.7"), e.set("swap", dns.TypeTXT, `"x"`))
		e.sync()
		e.remove(zone.Key{Name: e.name("swap"), Type: dns.TypeA}, zone.Key{Name: e.name("swap"), Type: dns.TypeTXT})
		e.add(e.set("swap", dns.TypeCNAME, "a.$Z"))
		e.sync()
		e.remove(zone.Key{Name: e.name("swap"), Type: dns.TypeCNAME})
		e.add(e.set("swap", dns.TypeA, "192.0.2.8"))
		e.sync()
	}
}

// manySets returns n single-value A RRsets plus one RRset of 120 values.
func (e *env) manySets(prefix string, n int, octet int) []zone.RRset {
	out := make([]zone.RRset, 0, n+1)
	for i := 0; i < n; i++ {
		out = append(out, e.set(fmt.Sprintf("%s%04d", prefix, i), dns.TypeA, fmt.Sprintf("10.%d.%d.%d", octet, i/256, i%256)))
	}
	big := make([]string, 120)
	for i := range big {
		big[i] = fmt.Sprintf("10.250.%d.%d", octet, i)
	}
	return append(out, e.set(prefix+"-big", dns.TypeA, big...))
}

func testMany(t T, e *env) {
	sets := e.manySets("h", 1100, 1)
	e.add(sets...)
	e.sync()
	for i, s := range sets[:600] {
		if i%2 == 0 {
			e.remove(s.Key())
		} else {
			e.add(e.set(strings.TrimSuffix(s.Name, "."+e.zone), dns.TypeA, "10.9.9.9"))
		}
	}
	e.sync()
	for _, s := range sets {
		e.remove(s.Key())
	}
	e.sync()
}

func testDeleteIsolated(t T, e *env) {
	e.add(
		e.set("del", dns.TypeA, "192.0.2.1"),
		e.set("del", dns.TypeTXT, `"stays"`),
		e.set("keep", dns.TypeA, "192.0.2.2", "192.0.2.3"),
		e.set("x.keep", dns.TypeA, "192.0.2.4"),
		e.set("y.keep", dns.TypeA, "192.0.2.5"),
	)
	e.sync()
	before := e.records()
	gone := map[zone.Key]bool{{Name: e.name("del"), Type: dns.TypeA}: true, {Name: e.name("x.keep"), Type: dns.TypeA}: true}
	var changes []plan.Change
	for _, s := range before {
		if gone[s.Key()] {
			changes = append(changes, plan.Change{Action: plan.Delete, Old: &s})
		}
	}
	if len(changes) != 2 {
		t.Fatalf("expected 2 RRsets to delete, found %d", len(changes))
	}
	if err := e.p.Apply(context.Background(), e.zone, changes); err != nil {
		t.Fatalf("Apply deletes: %v", err)
	}
	var want []zone.RRset
	for _, s := range before {
		if !gone[s.Key()] && e.managed(s.Key()) {
			want = append(want, s)
		}
	}
	e.checkServes(e.records(), want)
	for k := range gone {
		e.remove(k)
	}
	e.checkConverged()
}

func testConcurrent(t T, e *env) {
	const workers, per = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	mine := make([][]zone.RRset, workers)
	for w := 0; w < workers; w++ {
		for i := 0; i < per; i++ {
			mine[w] = append(mine[w], e.set(fmt.Sprintf("c%d-%d", w, i), dns.TypeA, fmt.Sprintf("192.0.2.%d", w*per+i), "198.51.100.1"))
		}
	}
	run := func(build func(w int) []plan.Change) {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.p.Apply(context.Background(), e.zone, build(w)); err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
				}
			}()
		}
		wg.Wait()
		for len(errs) > 0 {
			t.Error(<-errs)
		}
	}
	run(func(w int) []plan.Change {
		var cs []plan.Change
		for i := range mine[w] {
			cs = append(cs, plan.Change{Action: plan.Create, New: &mine[w][i]})
		}
		return cs
	})
	for w := range mine {
		e.add(mine[w]...)
	}
	e.checkConverged()
	run(func(w int) []plan.Change {
		var cs []plan.Change
		for i := 0; i < per; i += 2 {
			cs = append(cs, plan.Change{Action: plan.Delete, Old: &mine[w][i]})
		}
		return cs
	})
	for w := range mine {
		for i := 0; i < per; i += 2 {
			e.remove(mine[w][i].Key())
		}
	}
	e.checkConverged()
}

func testCancel(t T, e *env) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.p.Records(ctx, e.zone); err == nil {
		t.Error("Records with a cancelled context returned no error")
	}
	sets := e.manySets("k", 1500, 2)
	changes := make([]plan.Change, len(sets))
	for i := range sets {
		changes[i] = plan.Change{Action: plan.Create, New: &sets[i]}
	}
	if err := applyBounded(ctx, e, changes); err == nil {
		t.Error("Apply with a cancelled context returned no error")
	}
	e.checkConsistent(sets)

	// Cancelled while running: whatever happened must be whole RRsets.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := applyBounded(ctx, e, changes)
	t.Logf("Apply cancelled mid-way: %v", err)
	e.checkConsistent(sets)
	cancel()
	e.add(sets...)
	e.sync()
}

// applyBounded runs Apply and fails the test if it has not returned after a minute (a hang
// guard, not a speed assertion).
func applyBounded(ctx context.Context, e *env, changes []plan.Change) error {
	done := make(chan error, 1)
	go func() { done <- e.p.Apply(ctx, e.zone, changes) }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		e.t.Fatal("Apply did not return within a minute of its context being cancelled")
		return nil
	}
}

// checkConsistent checks that each of sets is either absent or served exactly as given.
func (e *env) checkConsistent(sets []zone.RRset) {
	e.t.Helper()
	got := map[zone.Key]zone.RRset{}
	for _, s := range e.records() {
		got[s.Key()] = s
	}
	present := 0
	for _, s := range sets {
		g, ok := got[s.Key()]
		if !ok {
			continue
		}
		present++
		w := normalise(canonical(s))
		if fmt.Sprint(normalise(g).Values) != fmt.Sprint(w.Values) {
			e.t.Errorf("RRset %s half-written: %d of %d values", s.Key(), len(g.Values), len(w.Values))
		}
	}
	e.t.Logf("%d of %d RRsets applied", present, len(sets))
}

// canonical returns s as a zone file would yield it: each value parsed and printed by
// miekg/dns (zone.FromRR), values sorted. It panics on a value that does not parse (fixtures).
func canonical(s zone.RRset) zone.RRset {
	vs := make([]string, len(s.Values))
	for i, v := range s.Values {
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
		if err != nil {
			panic(fmt.Sprintf("providertest fixture %s %s %q: %v", s.Name, s.TypeString(), v, err))
		}
		k, _, cv := zone.FromRR(rr)
		s.Name, vs[i] = k.Name, cv
	}
	slices.Sort(vs)
	s.Values = slices.Compact(vs)
	return s
}
