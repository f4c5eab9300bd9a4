package route53

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	libdnsr53 "github.com/libdns/route53"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// emuState reads the emulator's zone directly (no faults, no API) in canonical form; alias
// records are returned separately.
func emuState(t *testing.T, e *testEnv) (map[zone.Key]zone.RRset, map[zone.Key]r53emu.RRset) {
	t.Helper()
	sets, aliases := map[zone.Key]zone.RRset{}, map[zone.Key]r53emu.RRset{}
	for _, s := range e.srv.RRsets(e.id) {
		name, err := r53text.FromR53Name(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		k := zone.Key{Name: name, Type: dns.StringToType[s.Type]}
		if s.Alias != nil {
			aliases[k] = s
			continue
		}
		c := zone.RRset{Name: name, Type: k.Type, TTL: uint32(s.TTL)}
		for _, v := range s.Values {
			cv, err := canonicalValue(name, k.Type, r53text.FromR53Value(v))
			if err != nil {
				t.Fatal(err)
			}
			c.Values = append(c.Values, cv)
		}
		slices.Sort(c.Values)
		sets[k] = c
	}
	return sets, aliases
}

// TestFaultInjectedSync syncs 2,000 new records plus updates and deletes while the emulator
// answers 40% of all requests with throttling, 5xx, dropped connections, lost replies
// and timeouts. Each run either converges or stops with an error; after every run, each RRset
// outside the plan is untouched and each RRset in it is wholly old or wholly new. Once the
// faults stop, the next run converges.
func TestFaultInjectedSync(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.MaxAttempts = 3
		c.RequestTimeout = 250 * time.Millisecond
		c.MaxBatchRecords = 400 // more batches, more chances for faults between them
	})
	e.srv.SetHold(2 * time.Second)
	keep, upd, del := aRecords("keep", 200), aRecords("upd", 200), aRecords("del", 200)
	for _, group := range [][]zone.RRset{keep, upd, del} {
		for _, s := range group {
			if err := e.srv.Put(e.id, r53emu.RRset{Name: s.Name, Type: "A", TTL: int64(s.TTL), Values: s.Values}); err != nil {
				t.Fatal(err)
			}
		}
	}
	alias := r53emu.RRset{Name: "www.example.com.", Type: "A", Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d1.cloudfront.net."}}
	if err := e.srv.Put(e.id, alias); err != nil {
		t.Fatal(err)
	}
	desired := slices.Clone(keep)
	for _, s := range upd {
		s.Values = []string{"192.0.2.1", "192.0.2.2"}
		s.TTL = 60
		desired = append(desired, s)
	}
	desired = append(desired, aRecords("new", 2000)...)
	want := byKey(desired)
	for _, k := range []zone.Key{{Name: testZone, Type: dns.TypeSOA}, {Name: testZone, Type: dns.TypeNS}} {
		before, _ := emuState(t, e)
		want[k] = before[k]
	}

	e.srv.SetRandomFaults(0.4, 20261122)
	converged := false
	for run := 1; run <= 12 && !converged; run++ {
		before, _ := emuState(t, e)
		current, err := e.p.Records(context.Background(), testZone)
		if err != nil {
			t.Logf("run %d: Records: %v", run, err)
			continue
		}
		zone.Sort(desired)
		p, err := plan.Calculate(desired, current, plan.Options{Origin: testZone, Traits: e.p.Traits()})
		if err != nil {
			t.Fatal(err)
		}
		if p.Empty() {
			converged = true
			break
		}
		inPlan := map[zone.Key]plan.Change{}
		for _, c := range p.Changes {
			inPlan[c.Key()] = c
		}
		err = e.p.Apply(context.Background(), testZone, p.Changes)
		t.Logf("run %d: %d changes, Apply: %v", run, len(p.Changes), err)
		if err != nil && !strings.Contains(err.Error(), "route53") {
			t.Errorf("unclear error: %v", err)
		}
		after, aliases := emuState(t, e)
		if a, ok := aliases[zone.Key{Name: "www.example.com.", Type: dns.TypeA}]; !ok || a.Alias.DNSName != alias.Alias.DNSName {
			t.Fatalf("run %d: alias record changed: %+v", run, a)
		}
		checkOnlyPlanChanged(t, run, before, after, inPlan)
	}
	e.srv.ClearFaults()
	if !converged {
		if err := e.sync(t, desired); err != nil {
			t.Fatalf("sync without faults: %v", err)
		}
	}
	if p := e.plan(t, desired); !p.Empty() {
		t.Fatalf("not converged: %d changes left", len(p.Changes))
	}
	final, _ := emuState(t, e)
	if len(final) != len(want) {
		t.Errorf("final zone has %d RRsets, want %d", len(final), len(want))
	}
	for k, w := range want {
		if g, ok := final[k]; !ok || !g.Equal(w) {
			t.Errorf("final %s: %+v, want %+v", k, g, w)
		}
	}
	st := e.srv.Stats()
	if st.Faults == 0 {
		t.Error("no fault was injected")
	}
	t.Logf("%d requests, %d faults", st.Reads+st.Writes, st.Faults)
}

func checkOnlyPlanChanged(t *testing.T, run int, before, after map[zone.Key]zone.RRset, inPlan map[zone.Key]plan.Change) {
	t.Helper()
	keys := map[zone.Key]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	bad := 0
	for k := range keys {
		b, hadB := before[k]
		a, hasA := after[k]
		c, planned := inPlan[k]
		ok := hadB == hasA && (!hasA || a.Equal(b)) // unchanged
		if planned && !ok {
			switch {
			case c.New == nil:
				ok = !hasA
			default:
				ok = hasA && sameContent(a, *c.New)
			}
		}
		if !ok {
			t.Errorf("run %d: %s changed outside the plan or half-written: before %v %v, after %v %v, planned %v", run, k, hadB, b.Values, hasA, a.Values, planned)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

// TestRequestBudget10k checks the request counts of the targets (counts, not time):
// a first sync of 10,000 records in at most 12 writes, an unchanged re-plan by a fresh
// provider in at most ceil(N/300)+2 reads and no writes.
func TestRequestBudget10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 records")
	}
	const n = 10000
	e := newEnv(t)
	first, reread := syncCounts(t, e, aRecords("r", n))
	if first.Writes > 12 {
		t.Errorf("first sync: %d writes, want <= 12", first.Writes)
	}
	if max := int(math.Ceil(n/300.0)) + 2; reread.Reads > max || reread.Writes != 0 {
		t.Errorf("unchanged re-plan: %d reads, %d writes; want <= %d and 0", reread.Reads, reread.Writes, max)
	}
	t.Logf("first sync: %d reads, %d writes; re-plan: %d reads", first.Reads, first.Writes, reread.Reads)
}

// syncCounts runs a first sync of desired (with the sync stamp) and an unchanged re-plan from
// a fresh provider, and returns the emulator's counts for each.
func syncCounts(t testing.TB, e *testEnv, desired []zone.RRset) (first, reread r53emu.Stats) {
	t.Helper()
	opts := plan.Options{Origin: testZone, Traits: e.p.Traits(), Stamp: plan.StampOf(desired)}
	e.srv.ResetStats()
	cur, err := e.p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Calculate(desired, cur, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.Apply(context.Background(), testZone, p.Changes); err != nil {
		t.Fatal(err)
	}
	first = e.srv.Stats()
	e.srv.ResetStats()
	fresh, err := New(context.Background(), e.p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cur, err = fresh.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := plan.Calculate(desired, cur, opts); err != nil || !p.Empty() {
		t.Fatalf("re-plan not empty: %v %v", err, p.Counts)
	}
	return first, e.srv.Stats()
}

// BenchmarkFirstSync10k measures a first sync of 10,000 records and an unchanged re-plan
// against the emulator, reporting API requests per sync (target: <= 12 writes, re-plan <=
// ceil(N/300)+2 reads).
func BenchmarkFirstSync10k(b *testing.B) { benchSync(b) }

// BenchmarkFirstSync10kUnbatched is the same sync with one RRset per request, the way
// libdns/route53's SetRecords writes.
func BenchmarkFirstSync10kUnbatched(b *testing.B) {
	benchSync(b, func(c *Config) { c.MaxBatchChanges = 1 })
}

func benchSync(b *testing.B, mutate ...func(*Config)) {
	desired := aRecords("r", 10000)
	var first, reread r53emu.Stats
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, mutate...)
		b.StartTimer()
		f, r := syncCounts(b, e, desired)
		first.Reads, first.Writes = first.Reads+f.Reads, first.Writes+f.Writes
		reread.Reads, reread.Writes = reread.Reads+r.Reads, reread.Writes+r.Writes
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Reads)/n, "reads/op")
	b.ReportMetric(float64(first.Writes)/n, "writes/op")
	b.ReportMetric(float64(reread.Reads)/n, "reread-reads/op")
	b.ReportMetric(float64(reread.Writes)/n, "reread-writes/op")
}

// TestLibdnsRoute53ExitsOnBadProfile documents why this adapter loads the AWS config itself:
// libdns/route53 v1.6.2 ends the whole process (log.Fatalf) on an unknown profile. It runs in
// a child process; New's behaviour for the same profile is TestBadProfileIsAnError.
func TestLibdnsRoute53ExitsOnBadProfile(t *testing.T) {
	if os.Getenv("TWINZONE_LIBDNS_EXIT_CHILD") == "1" {
		p := &libdnsr53.Provider{Profile: "twinzone-no-such-profile"}
		p.GetRecords(context.Background(), testZone) //nolint:errcheck // never returns
		fmt.Println("libdns/route53 returned")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLibdnsRoute53ExitsOnBadProfile$")
	cmd.Env = append(os.Environ(), "TWINZONE_LIBDNS_EXIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unable to load AWS SDK config") {
		t.Fatalf("expected libdns/route53 to exit the process: err=%v output=%s", err, out)
	}
}
