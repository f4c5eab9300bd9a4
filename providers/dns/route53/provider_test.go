package route53

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		return newEnv(t).p, testZone
	})
}

func TestRecordsCanonicalAndAliases(t *testing.T) {
	e := newEnv(t)
	seed := []r53emu.RRset{
		{Name: `\052.example.com.`, Type: "TXT", TTL: 60, Values: []string{`"caf\303\251" "x\"y"`, `"plain"`}},
		{Name: "MiXeD.example.com.", Type: "MX", TTL: 300, Values: []string{"10 MAIL.Example.COM."}},
		{Name: "www.example.com.", Type: "A", Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111.cloudfront.net."}},
		{Name: "lb.example.com.", Type: "A", SetIdentifier: "eu", TTL: 60, Values: []string{"192.0.2.1"}},
	}
	for _, s := range seed {
		if err := e.srv.Put(e.id, s); err != nil {
			t.Fatal(err)
		}
	}
	got := byKey(e.records(t))
	wild := got[zone.Key{Name: "*.example.com.", Type: dns.TypeTXT}]
	if !slices.Equal(wild.Values, []string{`"caf\195\169" "x\"y"`, `"plain"`}) || wild.TTL != 60 {
		t.Errorf("wildcard TXT: %+v", wild)
	}
	mx := got[zone.Key{Name: "mixed.example.com.", Type: dns.TypeMX}]
	if !slices.Equal(mx.Values, []string{"10 mail.example.com."}) {
		t.Errorf("MX: %+v", mx)
	}
	for _, k := range []zone.Key{{Name: "www.example.com.", Type: dns.TypeA}, {Name: "lb.example.com.", Type: dns.TypeA}} {
		if _, ok := got[k]; ok {
			t.Errorf("%s must not be listed as a plain RRset", k)
		}
	}
	if _, ok := got[zone.Key{Name: testZone, Type: dns.TypeSOA}]; !ok {
		t.Error("SOA missing")
	}
	um, err := e.p.Unmanaged(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	if len(um) != 2 || um[1].Key.Name != "www.example.com." || !strings.Contains(um[1].Reason, "alias") ||
		!strings.Contains(um[0].Reason, "routing-policy") {
		t.Fatalf("unmanaged: %+v", um)
	}

	// A plan that wants www as a plain A record must be refused before anything is written.
	e.srv.ResetStats()
	www := set("www", dns.TypeA, 300, "192.0.2.80")
	other := set("other", dns.TypeA, 300, "192.0.2.81")
	err = e.p.Apply(context.Background(), testZone, creates([]zone.RRset{other, www}))
	if err == nil || !strings.Contains(err.Error(), "alias") || !strings.Contains(err.Error(), "www.example.com. A") {
		t.Fatalf("Apply over an alias: %v", err)
	}
	if st := e.srv.Stats(); st.Writes != 0 {
		t.Errorf("refused Apply wrote %d times", st.Writes)
	}
	if s, _ := e.srv.Get(e.id, "www.example.com.", "A"); s.Alias == nil {
		t.Error("alias overwritten")
	}

	// Even with a stale view (a fresh provider that never listed the alias), Route 53's
	// CREATE cannot replace it: the batch fails, nothing of it is applied.
	e.srv.Delete(e.id, "www.example.com.", "A")
	if _, err := e.p.Records(context.Background(), testZone); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Put(e.id, seed[2]); err != nil {
		t.Fatal(err)
	}
	err = e.p.Apply(context.Background(), testZone, creates([]zone.RRset{other, www}))
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("CREATE over a late alias: %v", err)
	}
	if s, _ := e.srv.Get(e.id, "www.example.com.", "A"); s.Alias == nil {
		t.Error("alias overwritten")
	}
	if _, ok := e.srv.Get(e.id, "other.example.com.", "A"); ok {
		t.Error("a rejected batch was partly applied")
	}
}

func TestApplyRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ns := set("@", dns.TypeNS, 300, "ns1.example.net.")
	cur := byKey(e.records(t))[ns.Key()]
	bad := []struct {
		name string
		c    plan.Change
		want string
	}{
		{"apex ns", plan.Change{Action: plan.Update, Old: &cur, New: &ns}, "apex NS"},
		{"outside", plan.Change{Action: plan.Create, New: ptr(set("x", dns.TypeA, 1, "192.0.2.1"))}, ""},
		{"type", plan.Change{Action: plan.Create, New: ptr(zone.RRset{Name: "x.example.com.", Type: dns.TypeLOC, TTL: 1, Values: []string{"1 2 3 N 4 5 6 E 7m"}})}, "does not support"},
		{"malformed", plan.Change{Action: plan.Delete, New: ptr(set("x", dns.TypeA, 1, "192.0.2.1"))}, "malformed"},
	}
	bad[1].c.New.Name = "x.example.org."
	bad[1].want = "outside zone"
	for _, b := range bad {
		err := e.p.Apply(ctx, testZone, []plan.Change{b.c})
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v", b.name, err)
		}
	}
	e2 := newEnv(t, func(c *Config) { c.ManageApexNS = true })
	cur = byKey(e2.records(t))[ns.Key()]
	if err := e2.p.Apply(ctx, testZone, []plan.Change{{Action: plan.Update, Old: &cur, New: &ns}}); err != nil {
		t.Fatalf("apex NS with ManageApexNS: %v", err)
	}
	if s, _ := e2.srv.Get(e2.id, testZone, "NS"); !slices.Equal(s.Values, []string{"ns1.example.net."}) {
		t.Errorf("apex NS: %+v", s)
	}
}

func ptr(s zone.RRset) *zone.RRset { return &s }

func TestBadProfileIsAnError(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile real]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	_, err := New(context.Background(), Config{Profile: "does-not-exist", Endpoint: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "does-not-exist") {
		t.Fatalf("unknown profile: %v", err)
	}
	// A profile without credentials is caught too (no request is made to find out).
	if _, err := New(context.Background(), Config{Profile: "real", Endpoint: "http://127.0.0.1:1"}); err == nil {
		t.Error("profile without credentials accepted")
	}
	if _, err := New(context.Background(), Config{AccessKeyID: "x"}); err == nil {
		t.Error("half a key pair accepted")
	}
	if _, err := New(context.Background(), Config{AccessKeyID: "x", SecretAccessKey: "y", Endpoint: "ftp://x"}); err == nil {
		t.Error("bad endpoint accepted")
	}
	// Reaching this line is the point: the process survived.
}

func TestZoneIDFoundOnce(t *testing.T) {
	e := newEnv(t)
	if _, err := e.srv.AddZone("example.com.", true); err != nil { // a private twin
		t.Fatal(err)
	}
	if _, err := e.srv.AddZone("sub.example.com.", false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.records(t)
	}
	st := e.srv.Stats()
	if st.ByOp[r53emu.OpListHostedZonesByName] != 1 || st.ByOp[r53emu.OpGetHostedZone] != 0 {
		t.Errorf("zone look-ups: %v", st.ByOp)
	}
	if _, err := e.p.Records(context.Background(), "missing.org."); err == nil || !strings.Contains(err.Error(), "no hosted zone") {
		t.Errorf("missing zone: %v", err)
	}

	pinned := newEnv(t)
	pinned2, err := New(context.Background(), Config{HostedZoneID: pinned.id, AccessKeyID: testKeyID,
		SecretAccessKey: testSecret, Endpoint: pinned.srv.URL(), RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pinned2.Records(context.Background(), "example.org."); err == nil || !strings.Contains(err.Error(), "not example.org.") {
		t.Errorf("pinned zone with the wrong name: %v", err)
	}
	pinned.srv.ResetStats()
	for range 2 {
		if _, err := pinned2.Records(context.Background(), testZone); err != nil {
			t.Fatal(err)
		}
	}
	if st := pinned.srv.Stats(); st.ByOp[r53emu.OpGetHostedZone] != 1 || st.ByOp[r53emu.OpListHostedZonesByName] != 0 {
		t.Errorf("pinned zone look-ups: %v", st.ByOp)
	}
}

func TestBatchingAndUpdates(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.WaitInSync = true })
	e.srv.SetPendingPolls(2)
	sets := aRecords("h", 2500)
	e.srv.ResetStats()
	if err := e.p.Apply(context.Background(), testZone, creates(sets)); err != nil {
		t.Fatal(err)
	}
	st := e.srv.Stats()
	if st.Writes != 3 || st.ByOp[r53emu.OpGetChange] != 9 {
		t.Errorf("2500 creates: %d writes, %d GetChange (want 3 and 3 x 3)", st.Writes, st.ByOp[r53emu.OpGetChange])
	}
	// Grow, shrink and delete in one Apply: one batch, each update a DELETE+CREATE.
	cur := byKey(e.records(t))
	grown := set("h00001", dns.TypeA, 60, "10.0.0.1", "10.9.9.9")
	old1, old2, old3 := cur[grown.Key()], cur[sets[2].Key()], cur[sets[3].Key()]
	shrunk := set("h00002", dns.TypeA, 300, "10.0.0.2")
	shrunk.TTL = 120
	e.srv.ResetStats()
	err := e.p.Apply(context.Background(), testZone, []plan.Change{
		{Action: plan.Update, Old: &old1, New: &grown},
		{Action: plan.Update, Old: &old2, New: &shrunk},
		{Action: plan.Delete, Old: &old3},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.srv.Stats(); st.Writes != 1 {
		t.Errorf("3 changes took %d writes", st.Writes)
	}
	if s, _ := e.srv.Get(e.id, "h00001.example.com.", "A"); s.TTL != 60 || len(s.Values) != 2 {
		t.Errorf("grown: %+v", s)
	}
	if _, ok := e.srv.Get(e.id, "h00003.example.com.", "A"); ok {
		t.Error("delete not applied")
	}
	// A stale Old (someone changed the record meanwhile) makes the batch fail instead of
	// overwriting the other writer's data.
	e.srv.Put(e.id, r53emu.RRset{Name: "h00004.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.44"}})
	stale := sets[4]
	newer := set("h00004", dns.TypeA, 300, "10.4.4.4")
	err = e.p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Update, Old: &stale, New: &newer}})
	if err == nil || !strings.Contains(err.Error(), "h00004.example.com. A") {
		t.Errorf("stale update: %v", err)
	}
	if s, _ := e.srv.Get(e.id, "h00004.example.com.", "A"); s.Values[0] != "192.0.2.44" {
		t.Errorf("stale update overwrote: %+v", s)
	}
}

func TestRetriesAndTransientErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 4 })
	e.srv.Inject(r53emu.FaultThrottle, 2)
	e.srv.Inject(r53emu.FaultPriorRequest, 1)
	if _, err := e.p.Records(context.Background(), testZone); err != nil {
		t.Fatalf("3 faults then success within 4 attempts: %v", err)
	}
	e.srv.FailAfter(0, r53emu.FaultUnavailable)
	_, err := e.p.Records(context.Background(), testZone)
	if !errors.Is(err, provider.ErrGaveUp) || errors.Is(err, provider.ErrTransient) {
		t.Errorf("persistent 503 must be given up on, not left for the caller to retry: %v", err)
	}
	e.srv.ClearFaults()
	// A write whose reply is lost is retried; the retry is rejected (the records exist), and
	// Apply finds the batch in effect.
	e.srv.InjectWrites(r53emu.FaultDropAfter, 1)
	sets := aRecords("d", 3)
	if err := e.p.Apply(context.Background(), testZone, creates(sets)); err != nil {
		t.Fatalf("lost reply: %v", err)
	}
	if st := e.srv.Stats(); st.ByOp[r53emu.OpChangeResourceRecordSets] != 2 {
		t.Errorf("writes: %v", st.ByOp)
	}
	// Permanent errors are not retried and are not transient.
	e.srv.ResetStats()
	err = e.p.Apply(context.Background(), testZone, creates(sets))
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("CREATE of existing sets: %v", err)
	}
	if st := e.srv.Stats(); st.Writes != 1 {
		t.Errorf("a rejected batch was retried: %d writes", st.Writes)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Error("secret in error")
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("transport exploded") }

func TestPanicRecovered(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: panicTransport{}} })
	_, err := e.p.Records(context.Background(), testZone)
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("panic: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 5 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.p.Records(ctx, testZone); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Records: %v", err)
	}
}

func TestConformanceManagedApexNS(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		return newEnv(t, func(c *Config) { c.ManageApexNS = true }).p, testZone
	})
}

func TestDefaults(t *testing.T) {
	p, err := New(context.Background(), Config{AccessKeyID: testKeyID, SecretAccessKey: testSecret, Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.cfg
	if c.Region != "us-east-1" || c.MaxBatchRecords != 1000 || c.MaxBatchChars != 32000 || p.limiter.Limit() != 5 || c.MaxAttempts != 8 {
		t.Errorf("defaults: %+v, limit %v", c, p.limiter.Limit())
	}
	tr := p.Traits()
	if len(tr.Types) != 17 || !tr.Types[dns.TypeHTTPS] || tr.Types[dns.TypeLOC] || tr.MaxTTL != 2147483647 || tr.ApexNSManaged {
		t.Errorf("traits: %+v", tr)
	}
	for _, bad := range []Config{{MaxBatchRecords: 1001}, {MaxBatchChars: 40000}} {
		bad.AccessKeyID, bad.SecretAccessKey = testKeyID, testSecret
		if _, err := New(context.Background(), bad); err == nil {
			t.Errorf("accepted %+v", bad)
		} else if strings.Contains(err.Error(), testSecret) {
			t.Error("secret in error")
		}
	}
}
