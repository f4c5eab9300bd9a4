package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestSyncBothConverge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	desired := randomZone(r, 200)
	a := newFake(nil)
	b := newFake(randomZone(r, 200))
	s := &Syncer{Retry: fastRetry}
	res := s.Sync(context.Background(), targets(a, b), desired, Options{Force: true})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	for i, f := range []*fake{a, b} {
		if !converged(t, f, desired) {
			t.Errorf("provider %d not converged", i)
		}
		if h, ok := stampOf(f); !ok || h != plan.StampHash(desired) {
			t.Errorf("provider %d stamp %q", i, h)
		}
		if res[i].Target != targets(a, b)[i].Name || res[i].Plan == nil || res[i].Applied != len(res[i].Plan.Changes) {
			t.Errorf("result %d: %+v", i, res[i])
		}
	}
	// the stamp is written last, alone
	for i, f := range []*fake{a, b} {
		last := f.calls[len(f.calls)-1]
		if len(last) != 1 || last[0].Key().Name != plan.StampName(origin) {
			t.Errorf("provider %d: last Apply call %v", i, last)
		}
	}
	// a second sync writes nothing
	_, before := b.counts()
	res = s.Sync(context.Background(), targets(a, b), desired, Options{})
	if err := errOf(res); err != nil || !res[1].Plan.Empty() {
		t.Fatalf("second sync: %v", err)
	}
	if _, after := b.counts(); after != before {
		t.Errorf("second sync made %d Apply calls", after-before)
	}
}

func TestOneFailingLeavesOtherConverged(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	desired := randomZone(r, 50)
	bad, good := newFake(nil), newFake(nil)
	bad.failApply = 1
	res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(bad, good), desired, Options{})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "p0") || !strings.Contains(res[0].Err.Error(), "refuses") {
		t.Errorf("bad provider error: %v", res[0].Err)
	}
	if res[1].Err != nil || !converged(t, good, desired) {
		t.Errorf("good provider: %v", res[1].Err)
	}
	if _, ok := stampOf(bad); ok {
		t.Error("stamp written on the failing provider")
	}
	if len(bad.state()) != 0 {
		t.Error("failing provider changed")
	}
	if errOf(res) == nil {
		t.Error("Err(results) is nil")
	}
}

func TestReadFailureIsReported(t *testing.T) {
	f := newFake(nil)
	f.failReads = errors.New("401 unauthorized")
	res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(f), []zone.RRset{soaSet()}, Options{})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "401") {
		t.Fatalf("err = %v", res[0].Err)
	}
	if reads, _ := f.counts(); reads != 1 {
		t.Errorf("non-transient read error tried %d times", reads)
	}
}

func TestStampNotWrittenWhenNotConverged(t *testing.T) {
	desired := []zone.RRset{soaSet(), {Name: "www.example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1", "192.0.2.2"}}}
	f := newFake(nil)
	f.rewrite = func(s zone.RRset) zone.RRset { s.Values = s.Values[:1]; return s } // keeps one value, like libdns/cloudflare SetRecords
	res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(f), desired, Options{})
	if !errors.Is(res[0].Err, ErrNotConverged) || !strings.Contains(res[0].Err.Error(), "www.example.com. A") {
		t.Fatalf("err = %v", res[0].Err)
	}
	if _, ok := stampOf(f); ok {
		t.Error("stamp written on a provider that did not converge")
	}
}

func TestStampFailureIsAnError(t *testing.T) {
	desired := []zone.RRset{soaSet(), {Name: "www.example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}}
	f := newFake(nil)
	f.failApply = 2 // the stamp's call
	res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), targets(f), desired, Options{})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "stamp") || res[0].Applied != 1 {
		t.Fatalf("result %+v", res[0])
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	f := newFake(randomZone(r, 50))
	res := (&Syncer{}).Sync(context.Background(), targets(f), randomZone(r, 50), Options{DryRun: true, Force: true})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if res[0].Plan.Empty() || res[0].Applied != 0 {
		t.Fatalf("plan %v applied %d", res[0].Plan.Counts, res[0].Applied)
	}
	if _, applies := f.counts(); applies != 0 {
		t.Errorf("%d Apply calls in a dry run", applies)
	}
}

func TestPolicyRefusalWritesNothing(t *testing.T) {
	var current, desired []zone.RRset
	desired = append(desired, soaSet())
	for i := range 20 {
		s := zone.RRset{Name: "h" + string(rune('a'+i)) + ".example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
		current = append(current, s)
		if i >= 10 {
			desired = append(desired, s)
		}
	}
	zone.Sort(current)
	zone.Sort(desired)
	f := newFake(current)
	res := (&Syncer{}).Sync(context.Background(), targets(f), desired, Options{})
	if !errors.Is(res[0].Err, plan.ErrUnsafe) || res[0].Plan == nil {
		t.Fatalf("err = %v", res[0].Err)
	}
	if _, applies := f.counts(); applies != 0 {
		t.Fatalf("%d Apply calls after a refusal", applies)
	}
	// custom policies, and --force
	res = (&Syncer{}).Sync(context.Background(), targets(f), desired, Options{Policies: []plan.Policy{plan.MaxChangeFraction{Fraction: 0.6}}})
	if err := errOf(res); err != nil || !converged(t, f, desired) {
		t.Fatalf("lenient policy: %v", err)
	}
	res = (&Syncer{}).Sync(context.Background(), targets(f), []zone.RRset{soaSet()}, Options{})
	if !errors.Is(res[0].Err, plan.ErrUnsafe) {
		t.Fatalf("delete all: %v", res[0].Err)
	}
	res = (&Syncer{}).Sync(context.Background(), targets(f), []zone.RRset{soaSet()}, Options{Force: true})
	if err := errOf(res); err != nil || !converged(t, f, []zone.RRset{soaSet()}) {
		t.Fatalf("forced: %v", err)
	}
}

func TestCNAMEReplacement(t *testing.T) {
	a := func(name string) zone.RRset {
		return zone.RRset{Name: name, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
	}
	cname := func(name string) zone.RRset {
		return zone.RRset{Name: name, Type: dns.TypeCNAME, TTL: 300, Values: []string{"target.example.net."}}
	}
	txt := zone.RRset{Name: "x.example.com.", Type: dns.TypeTXT, TTL: 300, Values: []string{`"t"`}}
	current := clean([]zone.RRset{a("www.example.com."), txt, cname("old.example.com.")})
	desired := clean([]zone.RRset{soaSet(), cname("www.example.com."), cname("x.example.com."), a("old.example.com."),
		{Name: "old.example.com.", Type: dns.TypeMX, TTL: 300, Values: []string{"10 mx.example.com."}}})
	f := newFake(current)
	res := (&Syncer{}).Sync(context.Background(), targets(f), desired, Options{Force: true})
	if err := errOf(res); err != nil || !converged(t, f, desired) {
		t.Fatalf("err %v", err)
	}
}

func TestTraitsUnmanagedAndBatches(t *testing.T) {
	var desired []zone.RRset
	desired = append(desired, soaSet())
	for i := range 10 {
		desired = append(desired, zone.RRset{Name: "h" + string(rune('a'+i)) + ".example.com.", Type: dns.TypeA, TTL: 30, Values: []string{"192.0.2.1"}})
	}
	alias := zone.RRset{Name: "alias.example.com.", Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.99"}}
	f := newFake([]zone.RRset{alias})
	f.traits = &plan.Traits{MinTTL: 60}
	f.unmgd = []provider.UnmanagedRRset{{Key: alias.Key(), Reason: "alias"}}
	res := (&Syncer{BatchSize: 3}).Sync(context.Background(), targets(f), desired, Options{})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if _, applies := f.counts(); applies != 4+1 { // ceil(10/3) batches, then the stamp
		t.Errorf("%d Apply calls", applies)
	}
	st := f.state()
	if got := st[alias.Key()]; !got.Equal(alias) {
		t.Error("unmanaged record touched")
	}
	if u := res[0].Plan.Unmanaged; len(u) != 1 || !strings.Contains(u[0].Reason, "(alias)") {
		t.Errorf("unmanaged report %v", u)
	}
	if got := st[desired[1].Key()]; got.TTL != 60 {
		t.Errorf("TTL %d, want the provider's minimum 60", got.TTL)
	}
	res = (&Syncer{}).Sync(context.Background(), targets(f), desired, Options{})
	if !res[0].Plan.Empty() {
		t.Errorf("second plan: %v", res[0].Plan.Changes)
	}
}

func TestPhases(t *testing.T) {
	ch := func(a plan.Action, name string, typ uint16) plan.Change {
		s := &zone.RRset{Name: name, Type: typ, TTL: 1, Values: []string{"x"}}
		switch a {
		case plan.Create:
			return plan.Change{Action: a, New: s}
		case plan.Delete:
			return plan.Change{Action: a, Old: s}
		}
		return plan.Change{Action: a, Old: s, New: s}
	}
	changes := []plan.Change{
		ch(plan.Delete, "a.example.com.", dns.TypeA),     // room for the CNAME at a
		ch(plan.Create, "a.example.com.", dns.TypeCNAME), // write
		ch(plan.Delete, "b.example.com.", dns.TypeCNAME), // room for the A at b
		ch(plan.Create, "b.example.com.", dns.TypeA),     // address write
		ch(plan.Delete, "c.example.com.", dns.TypeA),     // plain delete, address: last
		ch(plan.Update, "d.example.com.", dns.TypeMX),    // other write
		ch(plan.Delete, "e.example.com.", dns.TypeMX),    // plain delete, before addresses
		ch(plan.Delete, "f.example.com.", dns.TypeCNAME), // CNAME delete with no write at f
		ch(plan.Create, "g.example.com.", dns.TypeAAAA),  // address write
		ch(plan.Update, "h.example.com.", dns.TypeCNAME), // CNAME update
		ch(plan.Delete, "h.example.com.", dns.TypeTXT),   // room for it
	}
	var got []string
	for _, ph := range phases(changes) {
		var g []string
		for _, c := range ph {
			g = append(g, c.Action.String()[:1]+" "+c.Key().Name[:1]+zone.TypeString(c.Key().Type))
		}
		got = append(got, strings.Join(g, ","))
	}
	want := []string{"d aA,d bCNAME,d hTXT", "c bA,c gAAAA,c aCNAME,u dMX,u hCNAME", "d eMX,d fCNAME,d cA"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("phases\n got %q\nwant %q", got, want)
	}
	if b := batches(changes, 4); len(b) != 3 || len(b[2]) != 3 {
		t.Errorf("batches %d", len(b))
	}
}

// TestTargetsRunInParallel: each provider's first read waits until the other's has started,
// which only a parallel sync gets through.
func TestTargetsRunInParallel(t *testing.T) {
	a, b := newFake(nil), newFake(nil)
	aIn, bIn := make(chan struct{}), make(chan struct{})
	var aOnce, bOnce stdsync.Once
	rendezvous := func(mine, other chan struct{}, once *stdsync.Once) func() {
		return func() {
			once.Do(func() {
				close(mine)
				select {
				case <-other:
				case <-time.After(30 * time.Second):
					t.Error("the other provider never started: targets run one after another")
				}
			})
		}
	}
	a.onRecords = rendezvous(aIn, bIn, &aOnce)
	b.onRecords = rendezvous(bIn, aIn, &bOnce)
	var mu stdsync.Mutex
	ticks := 0
	s := &Syncer{Clock: func() time.Time { // a clock that advances one second per reading
		mu.Lock()
		defer mu.Unlock()
		ticks++
		return time.Unix(int64(ticks), 0)
	}}
	desired := []zone.RRset{soaSet(), {Name: "www.example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}}
	res := s.Sync(context.Background(), targets(a, b), desired, Options{})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Target != []string{"p0", "p1"}[i] || r.Duration <= 0 {
			t.Errorf("result %d: target %q duration %v", i, r.Target, r.Duration)
		}
	}
}
