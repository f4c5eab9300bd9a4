package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

func allTypes() []zone.RRset {
	long := strings.Repeat("a", 300)
	return []zone.RRset{
		set("www.example.com.", dns.TypeA, 300, "192.0.2.1", "192.0.2.2", "192.0.2.3"),
		set("www.example.com.", dns.TypeAAAA, 300, "2001:db8::1"),
		set("alias.example.com.", dns.TypeCNAME, 3600, "target.example.net."),
		set("example.com.", dns.TypeMX, 300, "0 mx0.example.com.", "10 mx1.example.com."),
		set("example.com.", dns.TypeTXT, 300, `"v=spf1 -all"`, `"a \"quoted\" string; with \\ backslash"`),
		set("long.example.com.", dns.TypeTXT, 300, `"`+long[:255]+`" "`+long[255:]+`"`),
		set("_sip._tcp.example.com.", dns.TypeSRV, 300, "10 20 5060 sip1.example.com.", "10 30 5060 sip2.example.com."),
		set("example.com.", dns.TypeCAA, 300, `0 issue "letsencrypt.org"`, `128 iodef "mailto:sec@example.com"`),
		set("example.com.", dns.TypeHTTPS, 300, `1 . alpn="h2,h3" ipv4hint="192.0.2.1"`),
		set("svc.example.com.", dns.TypeSVCB, 300, "0 pool.example.net."),
		set("sub.example.com.", dns.TypeNS, 86400, "ns1.example.net.", "ns2.example.net."),
		set("auto.example.com.", dns.TypeA, 1, "192.0.2.9"),
		set("nomail.example.com.", dns.TypeMX, 300, "0 ."),
		set("sub.example.com.", dns.TypeDS, 3600, "12345 13 2 "+strings.Repeat("AB", 32)),
		set("_25._tcp.mail.example.com.", dns.TypeTLSA, 300, "3 1 1 "+strings.Repeat("CD", 32)),
		set("_srv._udp.example.com.", dns.TypeSRV, 300, "0 0 0 ."),
	}
}

func canon(t *testing.T, sets []zone.RRset) []zone.RRset {
	t.Helper()
	out := make([]zone.RRset, len(sets))
	for i, s := range sets {
		out[i] = s
		out[i].Values = nil
		for _, v := range s.Values {
			rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
			if err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			_, _, cv := zone.FromRR(rr)
			if s.Type == dns.TypeTXT {
				cv = zone.CanonicalTXT(cv)
			}
			out[i].Values = append(out[i].Values, cv)
		}
	}
	zone.Sort(out)
	return out
}

func TestRoundTripEveryType(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	want := canon(t, allTypes())
	if err := f.sync(allTypes()); err != nil {
		t.Fatal(err)
	}
	got := f.records()
	for i := range got {
		if got[i].Type == dns.TypeTXT {
			for j, v := range got[i].Values {
				got[i].Values[j] = zone.CanonicalTXT(v)
			}
		}
	}
	if !equalSets(got, want) {
		t.Fatalf("records after sync:\n got %v\nwant %v", got, want)
	}
	if pl := f.plan(allTypes()); !pl.Empty() {
		t.Fatalf("second plan not empty: %+v", pl.Changes)
	}
	// Apex NS are Cloudflare's own and reported.
	rs, _ := f.p.Records(context.Background(), origin)
	found := false
	for _, r := range rs {
		if r.Name == origin && r.Type == dns.TypeNS {
			found = len(r.Values) == 2 && r.Values[0] == "ada.ns.cloudflare.com."
		}
	}
	if !found {
		t.Fatalf("apex NS not reported: %v", rs)
	}
}

// TestRequestBodies checks what goes over the wire (lego style).
func TestRequestBodies(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, func(c *Config) { c.ZoneID = "" })
	a := set("www.example.com.", dns.TypeA, 300, "192.0.2.1", "192.0.2.2")
	srv := set("_x._udp.example.com.", dns.TypeSRV, 600, "0 0 53 t.example.com.")
	if err := f.p.Apply(context.Background(), origin, []plan.Change{
		{Action: plan.Create, New: &a}, {Action: plan.Create, New: &srv},
	}); err != nil {
		t.Fatal(err)
	}
	reqs := f.rec.take()
	if len(reqs) != 3 || reqs[0].Path != "/zones" || reqs[0].Query != "name=example.com" ||
		!strings.HasSuffix(reqs[1].Path, "/dns_records") || reqs[1].Query != "page=1&per_page=5000" ||
		reqs[2].Method != "POST" || !strings.HasSuffix(reqs[2].Path, "/dns_records/batch") {
		t.Fatalf("requests: %+v", reqs)
	}
	want := `{"posts":[{"name":"www.example.com","type":"A","content":"192.0.2.1","ttl":300},` +
		`{"name":"www.example.com","type":"A","content":"192.0.2.2","ttl":300},` +
		`{"name":"_x._udp.example.com","type":"SRV","ttl":600,"data":{"priority":0,"weight":0,"port":53,"target":"t.example.com"}}]}`
	if reqs[2].Body != want {
		t.Fatalf("batch body\n got %s\nwant %s", reqs[2].Body, want)
	}

	// A value replaced: the old record is patched in place (its comment and tags survive), the
	// kept value stays untouched, in one batch.
	var ids = map[string]string{}
	for _, r := range f.emu.Records(f.zoneID) {
		ids[r.Content] = r.ID
	}
	b := set("www.example.com.", dns.TypeA, 300, "192.0.2.2", "192.0.2.7")
	if err := f.p.Apply(context.Background(), origin, []plan.Change{{Action: plan.Update, Old: &a, New: &b}}); err != nil {
		t.Fatal(err)
	}
	reqs = f.rec.take()
	if len(reqs) != 2 {
		t.Fatalf("update requests: %+v", reqs)
	}
	want = `{"patches":[{"id":"` + ids["192.0.2.1"] + `","name":"www.example.com","type":"A","content":"192.0.2.7","ttl":300}]}`
	if reqs[1].Body != want {
		t.Fatalf("update body\n got %s\nwant %s", reqs[1].Body, want)
	}
	for _, r := range f.emu.Records(f.zoneID) {
		if r.Content == "192.0.2.2" && r.ID != ids["192.0.2.2"] {
			t.Fatal("kept value was recreated")
		}
	}
	for _, r := range reqs {
		if strings.Contains(r.Body+r.Query+r.Path, testToken) {
			t.Fatal("token in request line or body")
		}
	}
}

func TestDeleteTouchesNothingElse(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	sets := []zone.RRset{
		set("www.example.com.", dns.TypeA, 300, "192.0.2.1"),
		set("www.example.com.", dns.TypeAAAA, 300, "2001:db8::1"),
		set("_a._tcp.example.com.", dns.TypeSRV, 300, "1 1 1 a.example.com.", "2 2 2 b.example.com."),
		set("_b._tcp.example.com.", dns.TypeSRV, 300, "1 1 1 a.example.com."),
	}
	if err := f.sync(sets); err != nil {
		t.Fatal(err)
	}
	before := map[string]bool{}
	for _, r := range f.emu.Records(f.zoneID) {
		before[r.ID] = true
	}
	if err := f.p.Apply(context.Background(), origin, []plan.Change{
		{Action: plan.Delete, Old: &sets[0]}, {Action: plan.Delete, Old: &sets[2]},
	}); err != nil {
		t.Fatal(err)
	}
	after := f.emu.Records(f.zoneID)
	if len(after) != 2 {
		t.Fatalf("left: %+v", after)
	}
	for _, r := range after {
		if !before[r.ID] {
			t.Fatalf("record %s %s was rewritten", r.Name, r.Type)
		}
	}
	if got := f.records(); !equalSets(got, []zone.RRset{sets[1], sets[3]}) {
		t.Fatalf("records: %v", got)
	}
}

func TestBatchesFilledAndRRsetsNotSplit(t *testing.T) {
	f := newFixture(t, cfemu.Options{BatchLimit: 10}, func(c *Config) { c.BatchSize = 10 })
	var desired []zone.RRset
	for i := range 15 {
		desired = append(desired, set(fmt.Sprintf("h%d.example.com.", i), dns.TypeA, 300, "192.0.2.1", "192.0.2.2", "192.0.2.3"))
	}
	f.emu.ResetCounts()
	if err := f.sync(desired); err != nil {
		t.Fatal(err)
	}
	// 45 records, 3 per RRset, 10 per batch without splitting an RRset: 9 per batch, 5 batches.
	if c := f.emu.Counts(); c.Batch != 5 || c.Writes != 0 {
		t.Fatalf("counts %+v", c)
	}
	if got := f.records(); !equalSets(got, desired) {
		t.Fatal("records differ")
	}
	// An RRset larger than a batch still converges (new values first, then deletes).
	var big []string
	for i := range 25 {
		big = append(big, fmt.Sprintf("198.51.100.%d", i))
	}
	desired[0] = set("h0.example.com.", dns.TypeA, 300, big...)
	if err := f.sync(desired); err != nil {
		t.Fatal(err)
	}
	if got := f.records(); !equalSets(got, desired) {
		t.Fatal("records differ after big RRset")
	}
}

func TestFallbackWithoutBatch(t *testing.T) {
	f := newFixture(t, cfemu.Options{NoBatch: true}, nil)
	if err := f.sync(allTypes()); err != nil {
		t.Fatal(err)
	}
	want := canon(t, allTypes())
	if pl := f.plan(want); !pl.Empty() {
		t.Fatalf("plan after fallback sync: %+v", pl.Changes)
	}
	c := f.emu.Counts()
	if c.Batch != 1 || c.Writes < 15 {
		t.Fatalf("counts %+v: want one refused batch, then single writes", c)
	}
	// Updates replace in place: the CNAME keeps its record ID.
	var id string
	for _, r := range f.emu.Records(f.zoneID) {
		if r.Type == "CNAME" {
			id = r.ID
		}
	}
	desired := allTypes()
	desired[2] = set("alias.example.com.", dns.TypeCNAME, 3600, "other.example.net.")
	desired[0] = set("www.example.com.", dns.TypeA, 300, "192.0.2.3")
	if err := f.sync(desired); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.emu.Records(f.zoneID) {
		if r.Type == "CNAME" && (r.ID != id || r.Content != "other.example.net") {
			t.Fatalf("CNAME not replaced in place: %+v", r)
		}
	}
	if pl := f.plan(desired); !pl.Empty() {
		t.Fatalf("plan not empty: %+v", pl.Changes)
	}
}

func (panicRT) RoundTrip(*http.Request) (*http.Response, error) { panic("boom") }

func TestProxiedAndManagedRecords(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	tr := true
	pid, err := f.emu.Seed(f.zoneID, cfemu.Record{Name: "app", Type: "A", Content: "192.0.2.10", Proxied: tr, TTL: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.emu.Seed(f.zoneID, cfemu.Record{Name: "@", Type: "MX", Content: "route1.mx.cloudflare.net", Priority: new(int), TTL: 1,
		Meta: cfemu.Meta{ReadOnly: true, Source: "email_routing"}}); err != nil {
		t.Fatal(err)
	}
	um, err := f.p.Unmanaged(context.Background(), origin)
	if err != nil || len(um) != 1 || um[0].Key != (zone.Key{Name: origin, Type: dns.TypeMX}) {
		t.Fatalf("unmanaged %v %v", um, err)
	}
	for _, r := range f.records() {
		if r.Type == dns.TypeMX {
			t.Fatal("read-only MX reported by Records")
		}
	}
	mx := set(origin, dns.TypeMX, 300, "10 mx.example.com.")
	if err := f.p.Apply(context.Background(), origin, []plan.Change{{Action: plan.Create, New: &mx}}); err == nil {
		t.Fatal("Apply changed a Cloudflare-managed RRset")
	}
	// Growing a proxied RRset keeps the proxied record and proxies the new one.
	old := set("app.example.com.", dns.TypeA, 1, "192.0.2.10")
	nw := set("app.example.com.", dns.TypeA, 1, "192.0.2.10", "192.0.2.11")
	if err := f.p.Apply(context.Background(), origin, []plan.Change{{Action: plan.Update, Old: &old, New: &nw}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range f.emu.Records(f.zoneID) {
		if r.Name == "app.example.com" {
			n++
			if !r.Proxied || (r.Content == "192.0.2.10" && r.ID != pid) {
				t.Fatalf("proxied record changed: %+v", r)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d app records", n)
	}
}

func TestApplyRefusesBeforeWriting(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	ok := set("a.example.com.", dns.TypeA, 300, "192.0.2.1")
	bad := []zone.RRset{
		set(origin, dns.TypeNS, 300, "ns.example.net."),
		set("b.example.com.", dns.TypeA, 30, "192.0.2.1"),
		set("c.example.com.", dns.TypeDNAME, 300, "x.example.net."),
		set("d.example.org.", dns.TypeA, 300, "192.0.2.1"),
	}
	for _, b := range bad {
		err := f.p.Apply(context.Background(), origin, []plan.Change{{Action: plan.Create, New: &ok}, {Action: plan.Create, New: &b}})
		if err == nil || !strings.Contains(err.Error(), b.Key().String()) {
			t.Errorf("%s: %v", b.Key(), err)
		}
	}
	if c := f.emu.Counts(); c.Total() != 0 {
		t.Fatalf("requests made: %+v", c)
	}
}

func TestTraits(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	tr := f.p.Traits()
	if tr.MinTTL != 60 || tr.MaxTTL != 86400 || tr.AutoTTL != 1 || tr.ApexNSManaged || !tr.Types[dns.TypeSRV] || tr.Types[dns.TypeDNAME] {
		t.Fatalf("traits %+v", tr)
	}
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without token")
	}
}

// A CNAME replaces other data at a name even when the changes fall into separate batches.
func TestCNAMESwapAcrossBatches(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, func(c *Config) { c.BatchSize = 1 })
	a := set("swap.example.com.", dns.TypeA, 300, "192.0.2.1")
	txt := set("swap.example.com.", dns.TypeTXT, 300, `"x"`)
	if err := f.sync([]zone.RRset{a, txt}); err != nil {
		t.Fatal(err)
	}
	cname := set("swap.example.com.", dns.TypeCNAME, 300, "a.example.com.")
	if err := f.sync([]zone.RRset{cname}); err != nil {
		t.Fatal(err)
	}
	if got := f.records(); !equalSets(got, []zone.RRset{cname}) {
		t.Fatalf("records %v", got)
	}
	if err := f.sync([]zone.RRset{a}); err != nil {
		t.Fatal(err)
	}
	if got := f.records(); !equalSets(got, []zone.RRset{a}) {
		t.Fatalf("records %v", got)
	}
}

func TestNameserversAndQuota(t *testing.T) {
	f := newFixture(t, cfemu.Options{MaxRecords: 3}, nil)
	ns, status, err := f.p.Nameservers(context.Background(), origin)
	if err != nil || status != "active" || len(ns) != 2 || ns[0] != "ada.ns.cloudflare.com." {
		t.Fatalf("nameservers %v %q %v", ns, status, err)
	}
	// Over the record quota, the batch fails as a whole: nothing of it is applied.
	desired := []zone.RRset{set("a.example.com.", dns.TypeA, 300, "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4")}
	err = f.sync(desired)
	if err == nil || !strings.Contains(err.Error(), "quota") || !strings.Contains(err.Error(), "a.example.com. A") {
		t.Fatalf("quota: %v", err)
	}
	if n := len(f.emu.Records(f.zoneID)); n != 0 {
		t.Fatalf("%d records left by a failed batch", n)
	}
}
