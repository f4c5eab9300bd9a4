package libdnsadapter

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
)

const testZone = "example.test."

const startZone = `
@ 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.example.test.
@ 3600 IN NS ns2.example.test.
ns1 3600 IN A 192.0.2.53
ns2 3600 IN A 192.0.2.54
`

func newAdapter(t *testing.T, m *memProvider, opts Options) *Provider {
	t.Helper()
	a, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// oneStringTXT drops the TXT values that libdns's one-string TXT cannot carry (character-
// strings other than the last shorter than 255 bytes); other RRsets pass unchanged.
func oneStringTXT(s zone.RRset) (zone.RRset, bool) {
	if s.Type != dns.TypeTXT {
		return s, true
	}
	var keep []string
	for _, v := range s.Values {
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
		if err != nil {
			continue
		}
		if _, err := joinTXT(rr.(*dns.TXT).Txt); err == nil {
			keep = append(keep, v)
		}
	}
	s.Values = keep
	return s, len(keep) > 0
}

// TestConformance runs the shared suite against an in-memory libdns v1 provider. The one
// fixture left out is the multi-string TXT value, which the libdns v1 data model (one Text
// per TXT record) cannot hold; TestMultiStringTXTRefused checks that it is refused.
func TestConformance(t *testing.T) {
	providertest.RunWith(t, func(t *testing.T) (provider.Provider, string) {
		return newAdapter(t, newMem(testZone, startZone), Options{Traits: plan.Traits{ApexNSManaged: true}}), testZone
	}, providertest.Options{Fixture: oneStringTXT})
}

func TestConformanceBatched(t *testing.T) {
	providertest.RunWith(t, func(t *testing.T) (provider.Provider, string) {
		return newAdapter(t, newMem(testZone, startZone), Options{MaxRecordsPerCall: 100, Traits: plan.Traits{ApexNSManaged: true}}), testZone
	}, providertest.Options{Fixture: oneStringTXT})
}

func TestNewChecksInterfaces(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) succeeded")
	}
	_, err := New(struct{ libdns.RecordGetter }{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "SetRecords") || !strings.Contains(err.Error(), "DeleteRecords") {
		t.Errorf("New(getter only) = %v, want an error naming SetRecords and DeleteRecords", err)
	}
	if _, err := New(newMem(testZone, startZone), Options{MaxRecordsPerCall: -1}); err == nil {
		t.Error("negative MaxRecordsPerCall accepted")
	}
}

func set(name string, typ uint16, ttl uint32, values ...string) zone.RRset {
	s := zone.RRset{Name: name, Type: typ, TTL: ttl}
	for _, v := range values {
		rr, err := zone.NewRR(name, ttl, typ, v)
		if err != nil {
			panic(err)
		}
		_, _, cv := zone.FromRR(rr)
		s.Values = append(s.Values, cv)
	}
	slices.Sort(s.Values)
	return s
}

func records(t *testing.T, a *Provider) map[zone.Key]zone.RRset {
	t.Helper()
	rs, err := a.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[zone.Key]zone.RRset{}
	for _, s := range rs {
		out[s.Key()] = s
	}
	return out
}

// TestApplyCalls checks the calls made: one SetRecords with every record of every new RRset,
// one DeleteRecords with exactly the old records, and that nothing else changes.
func TestApplyCalls(t *testing.T) {
	m := newMem(testZone, startZone+`
www 300 IN A 192.0.2.1
www 300 IN A 192.0.2.2
old 300 IN TXT "bye"
other 300 IN TXT "stays"
`)
	a := newAdapter(t, m, Options{})
	before := records(t, a)
	oldSet := before[zone.Key{Name: "old." + testZone, Type: dns.TypeTXT}]
	www := before[zone.Key{Name: "www." + testZone, Type: dns.TypeA}]
	newWWW := set("www."+testZone, dns.TypeA, 300, "192.0.2.2", "192.0.2.3", "192.0.2.4")
	mx := set(testZone, dns.TypeMX, 600, "10 mail.example.test.", "20 mail2.example.test.")
	changes := []plan.Change{
		{Action: plan.Update, Old: &www, New: &newWWW},
		{Action: plan.Create, New: &mx},
		{Action: plan.Delete, Old: &oldSet},
	}
	if err := a.Apply(context.Background(), testZone, changes); err != nil {
		t.Fatal(err)
	}
	if got := m.callSizes("SetRecords"); !slices.Equal(got, []int{5}) {
		t.Errorf("SetRecords calls (records each) = %v, want [5]", got)
	}
	if got := m.callSizes("DeleteRecords"); !slices.Equal(got, []int{1}) {
		t.Errorf("DeleteRecords calls (records each) = %v, want [1]", got)
	}
	after := records(t, a)
	for _, want := range []zone.RRset{newWWW, mx, before[zone.Key{Name: "other." + testZone, Type: dns.TypeTXT}]} {
		if got := after[want.Key()]; !got.Equal(want) {
			t.Errorf("%s = %+v, want %+v", want.Key(), got, want)
		}
	}
	if _, ok := after[oldSet.Key()]; ok {
		t.Errorf("%s still there", oldSet.Key())
	}
	if len(after) != len(before)+1-1 {
		t.Errorf("got %d RRsets, want %d: %v", len(after), len(before), m.dump(testZone))
	}
}

func TestBatchesKeepRRsetsWhole(t *testing.T) {
	m := newMem(testZone, startZone)
	a := newAdapter(t, m, Options{MaxRecordsPerCall: 4})
	var changes []plan.Change
	for _, s := range []zone.RRset{
		set("a."+testZone, dns.TypeA, 60, "192.0.2.1", "192.0.2.2", "192.0.2.3"),
		set("b."+testZone, dns.TypeA, 60, "192.0.2.1", "192.0.2.2"),
		set("c."+testZone, dns.TypeA, 60, "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"),
		set("d."+testZone, dns.TypeA, 60, "192.0.2.1"),
	} {
		changes = append(changes, plan.Change{Action: plan.Create, New: &s})
	}
	if err := a.Apply(context.Background(), testZone, changes); err != nil {
		t.Fatal(err)
	}
	if got := m.callSizes("SetRecords"); !slices.Equal(got, []int{3, 2, 5, 1}) {
		t.Errorf("SetRecords calls = %v, want [3 2 5 1]", got)
	}
	got := records(t, a)
	for _, c := range changes {
		if !got[c.Key()].Equal(*c.New) {
			t.Errorf("%s = %v, want %v", c.Key(), got[c.Key()].Values, c.New.Values)
		}
	}
}

func TestTXTConversion(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ text, value string }{
		{"hello", `"hello"`},
		{`say "hi" \ back`, `"say \"hi\" \\ back"`},
		{"caf\xc3\xa9 \xff\x00", `"caf\195\169 \255\000"`},
		{"", `""`},
		{long, `"` + long[:255] + `" "` + long[255:] + `"`},
	} {
		rr, err := toDNS(testZone, libdns.RR{Name: "t", TTL: 300e9, Type: "TXT", Data: tc.text})
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if _, _, v := zone.FromRR(rr); v != tc.value {
			t.Errorf("read %q = %s, want %s", tc.text, v, tc.value)
		}
		recs, err := fromRRset(testZone, set("t."+testZone, dns.TypeTXT, 300, tc.value))
		if err != nil {
			t.Fatal(err)
		}
		if got := recs[0].RR().Data; got != tc.text {
			t.Errorf("write %s = %q, want %q", tc.value, got, tc.text)
		}
	}
}

func TestMultiStringTXTRefused(t *testing.T) {
	m := newMem(testZone, startZone)
	a := newAdapter(t, m, Options{})
	bad := set("t."+testZone, dns.TypeTXT, 300, `"two" "strings"`)
	good := set("g."+testZone, dns.TypeA, 300, "192.0.2.1")
	err := a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &good}, {Action: plan.Create, New: &bad}})
	if err == nil || !strings.Contains(err.Error(), "t.example.test. TXT") || !strings.Contains(err.Error(), "one string") {
		t.Fatalf("Apply = %v, want a refusal naming the RRset", err)
	}
	if n := len(m.callSizes("SetRecords")); n != 0 {
		t.Errorf("%d SetRecords calls made before refusing", n)
	}
}

func TestUnknownTypesPassAsRR(t *testing.T) {
	m := newMem(testZone, startZone)
	a := newAdapter(t, m, Options{})
	s := set("u."+testZone, dns.TypeTLSA, 300, "3 1 1 "+strings.Repeat("ab", 32))
	p := set("p."+testZone, 65280, 300, `\# 3 abcdef`)
	if err := a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &s}, {Action: plan.Create, New: &p}}); err != nil {
		t.Fatal(err)
	}
	recs, err := fromRRset(testZone, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := recs[0].(libdns.RR); !ok {
		t.Errorf("TLSA passed as %T, want libdns.RR", recs[0])
	}
	if a, _ := fromRRset(testZone, set("a."+testZone, dns.TypeA, 300, "192.0.2.1")); len(a) != 1 {
		t.Fatal("no A record")
	} else if _, ok := a[0].(libdns.Address); !ok {
		t.Errorf("A passed as %T, want libdns.Address", a[0])
	}
	got := records(t, a)
	for _, want := range []zone.RRset{s, p} {
		if !got[want.Key()].Equal(want) {
			t.Errorf("%s = %v, want %v", want.Key(), got[want.Key()].Values, want.Values)
		}
	}
}

func TestPanicRecovered(t *testing.T) {
	for _, method := range []string{"GetRecords", "SetRecords", "DeleteRecords"} {
		t.Run(method, func(t *testing.T) {
			m := newMem(testZone, startZone+"x 300 IN A 192.0.2.9\n")
			a := newAdapter(t, m, Options{})
			cur := records(t, a)
			m.panic = method
			x := cur[zone.Key{Name: "x." + testZone, Type: dns.TypeA}]
			y := set("y."+testZone, dns.TypeA, 300, "192.0.2.8")
			var err error
			switch method {
			case "GetRecords":
				_, err = a.Records(context.Background(), testZone)
			case "SetRecords":
				err = a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &y}})
			case "DeleteRecords":
				err = a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Delete, Old: &x}})
			}
			if err == nil || !strings.Contains(err.Error(), method+" panicked") {
				t.Errorf("err = %v, want %q", err, method+" panicked")
			}
		})
	}
}

func TestCancelledBeforeCall(t *testing.T) {
	m := newMem(testZone, startZone)
	a := newAdapter(t, m, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Records(ctx, testZone); !errors.Is(err, context.Canceled) {
		t.Errorf("Records = %v, want context.Canceled", err)
	}
	s := set("c."+testZone, dns.TypeA, 300, "192.0.2.1")
	if err := a.Apply(ctx, testZone, []plan.Change{{Action: plan.Create, New: &s}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply = %v, want context.Canceled", err)
	}
	if n := len(m.callSizes("GetRecords")) + len(m.callSizes("SetRecords")); n != 0 {
		t.Errorf("%d calls reached the provider", n)
	}
}

// TestRecordsDropsBadData checks that records whose data does not parse, or that lie outside
// the zone, are dropped rather than failing the whole read.
func TestRecordsDropsBadData(t *testing.T) {
	m := newMem(testZone, startZone)
	m.zones[testZone] = append(m.zones[testZone],
		memRec{900, libdns.RR{Name: "bad", TTL: 300e9, Type: "A", Data: "not-an-address"}},
		memRec{901, libdns.RR{Name: "elsewhere.example.net.", TTL: 300e9, Type: "A", Data: "192.0.2.1"}},
		memRec{902, libdns.RR{Name: "ok", TTL: 300e9, Type: "A", Data: "192.0.2.1"}},
	)
	got := records(t, newAdapter(t, m, Options{}))
	if _, ok := got[zone.Key{Name: "ok." + testZone, Type: dns.TypeA}]; !ok {
		t.Error("good record missing")
	}
	for k := range got {
		if strings.HasPrefix(k.Name, "bad.") || strings.Contains(k.Name, "example.net") {
			t.Errorf("unexpected RRset %s", k)
		}
	}
}

// TestDeleteSendsProviderRecords checks that a delete sends back the records GetRecords
// returned (with their provider data), and that after Apply has touched an RRset it no longer
// does: a recreated record has a new ID, and sending the old one would delete nothing.
func TestDeleteSendsProviderRecords(t *testing.T) {
	m := newMem(testZone, startZone+"x 300 IN A 192.0.2.9\n")
	a := newAdapter(t, m, Options{})
	x := records(t, a)[zone.Key{Name: "x." + testZone, Type: dns.TypeA}]
	del := []plan.Change{{Action: plan.Delete, Old: &x}}
	if err := a.Apply(context.Background(), testZone, del); err != nil {
		t.Fatal(err)
	}
	if len(m.delIn) != 1 {
		t.Fatalf("DeleteRecords got %d records, want 1", len(m.delIn))
	}
	if _, ok := m.delIn[0].(withID); !ok {
		t.Errorf("DeleteRecords got a %T, want the provider's own record", m.delIn[0])
	}
	// Recreate and delete again without reading in between.
	if err := a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &x}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(context.Background(), testZone, del); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.delIn[0].(withID); ok {
		t.Error("second delete sent the stale provider record")
	}
	if _, ok := records(t, a)[x.Key()]; ok {
		t.Errorf("%s still there after the second delete: %v", x.Key(), m.dump(testZone))
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestErrors checks that a failed call names the RRsets of the call, and that a network
// timeout is marked transient while other errors are not.
func TestErrors(t *testing.T) {
	m := newMem(testZone, startZone)
	a := newAdapter(t, m, Options{Name: "memdns"})
	s := set("e."+testZone, dns.TypeA, 300, "192.0.2.1")
	apply := func() error {
		return a.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &s}})
	}
	m.setErr = timeoutErr{}
	err := apply()
	if err == nil || !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "e.example.test. A") || !strings.HasPrefix(err.Error(), "memdns: ") {
		t.Errorf("timeout: err = %v, want a transient error naming memdns and e.example.test. A", err)
	}
	m.setErr = errors.New("bad request")
	if err := apply(); err == nil || errors.Is(err, provider.ErrTransient) {
		t.Errorf("plain error: err = %v, want a non-transient error", err)
	}
}
