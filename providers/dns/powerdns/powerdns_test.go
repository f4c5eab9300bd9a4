package powerdns

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

const testOrigin = "example.test."

const testZoneText = `$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns1.example.test.
ns1 IN A 192.0.2.53
`

func start(t testing.TB) (*dnsserver.PowerDNS, *Provider) {
	t.Helper()
	pd := dnsserver.StartPowerDNS(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: testOrigin, Text: testZoneText}}})
	p, err := New(Config{APIURL: pd.APIURL, APIKey: pd.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	return pd, p
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testOrigin
	})
}

// Several PATCHes when the change set is larger than MaxBody; every one applied, and the
// result served over DNS (PowerDNS's caches are off in the test server).
func TestSplitPatches(t *testing.T) {
	pd, p := start(t)
	p.cfg.MaxBody = 4096
	var changes []plan.Change
	for i := range 200 {
		s := zone.RRset{Name: "h" + strings.Repeat("x", i%7) + itoa(i) + "." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2." + itoa(i%250+1)}}
		changes = append(changes, plan.Change{Action: plan.Create, New: &s})
	}
	b, err := p.batches(changes)
	if err != nil || len(b) < 3 {
		t.Fatalf("batches: %d, %v", len(b), err)
	}
	if err := p.Apply(context.Background(), testOrigin, changes); err != nil {
		t.Fatal(err)
	}
	got, err := p.Records(context.Background(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got); n != 200+2+1 { // + SOA, NS, ns1 A
		t.Errorf("%d RRsets after apply, want 203", n)
	}
	m := new(dns.Msg)
	m.SetQuestion(changes[199].New.Name, dns.TypeA)
	r, err := dns.Exchange(m, pd.Addr)
	if err != nil || len(r.Answer) != 1 {
		t.Errorf("served over DNS: %v %v", r, err)
	}
}

// A PATCH holding one change PowerDNS refuses applies none of its changes.
func TestPatchIsAtomic(t *testing.T) {
	_, p := start(t)
	good := zone.RRset{Name: "good." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
	bad := zone.RRset{Name: "bad." + testOrigin, Type: dns.TypeCNAME, TTL: 300, Values: []string{"x.example.net."}}
	beside := zone.RRset{Name: "bad." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.2"}}
	err := p.Apply(context.Background(), testOrigin, []plan.Change{
		{Action: plan.Create, New: &good}, {Action: plan.Create, New: &bad}, {Action: plan.Create, New: &beside}})
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "422") {
		t.Fatalf("err = %v, want a permanent 422", err)
	}
	got, _ := p.Records(context.Background(), testOrigin)
	for _, s := range got {
		if s.Name == good.Name {
			t.Errorf("%s written although the PATCH failed", s.Key())
		}
	}
}

// A disabled record is not served: its RRset is reported unmanaged and not returned; so is
// an ALIAS (PowerDNS-only).
func TestDisabledRecordUnmanaged(t *testing.T) {
	pd, p := start(t)
	body := `{"rrsets":[{"name":"off.example.test.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.9","disabled":true},{"content":"192.0.2.8","disabled":false}]},` +
		`{"name":"example.test.","type":"ALIAS","ttl":300,"changetype":"REPLACE","records":[{"content":"target.example.net.","disabled":false}]}]}`
	req, _ := http.NewRequest(http.MethodPatch, pd.APIURL+"/api/v1/servers/localhost/zones/example.test.", strings.NewReader(body))
	req.Header.Set("X-API-Key", pd.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %v %v", resp, err)
	}
	resp.Body.Close()
	un, err := p.Unmanaged(context.Background(), testOrigin)
	if err != nil || len(un) != 2 {
		t.Fatalf("unmanaged = %+v, %v", un, err)
	}
	for _, u := range un {
		if !(u.Key.Name == "off.example.test." && strings.Contains(u.Reason, "disabled")) && !(u.Key.Type == 65401 && strings.Contains(u.Reason, "ALIAS")) {
			t.Errorf("unmanaged %+v", u)
		}
	}
	got, _ := p.Records(context.Background(), testOrigin)
	for _, s := range got {
		if s.Name == "off.example.test." {
			t.Errorf("RRset with a disabled record returned: %+v", s)
		}
	}
}

// A wrong key is a permanent error that does not show the key; an unknown zone is named.
func TestErrors(t *testing.T) {
	pd, _ := start(t)
	p, _ := New(Config{APIURL: pd.APIURL, APIKey: "wrong-key-0123456789"})
	_, err := p.Records(context.Background(), testOrigin)
	if err == nil || errors.Is(err, provider.ErrTransient) || strings.Contains(err.Error(), "wrong-key") || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v", err)
	}
	p, _ = New(Config{APIURL: pd.APIURL, APIKey: pd.APIKey})
	if _, err := p.Records(context.Background(), "nosuch.test."); err == nil || !strings.Contains(err.Error(), "nosuch.test. does not exist") {
		t.Errorf("unknown zone: %v", err)
	}
}

// 5xx and 429 are retried within the call's budget, then given up (provider.ErrGaveUp, not
// transient: no caller retries again); a cancelled context is not retried.
func TestRetries(t *testing.T) {
	var calls atomic.Int32
	code := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"error": "busy"}`))
	}))
	defer srv.Close()
	p, _ := New(Config{APIURL: srv.URL, APIKey: "k", Retries: 3, RetryWait: time.Millisecond})
	for _, c := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		code = c
		calls.Store(0)
		_, err := p.Records(context.Background(), testOrigin)
		if !errors.Is(err, provider.ErrGaveUp) || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "busy") {
			t.Errorf("%d: %v", c, err)
		}
		if n := calls.Load(); n != 4 {
			t.Errorf("%d: %d requests, want 1 + 3 retries", c, n)
		}
	}
	code = http.StatusUnauthorized
	calls.Store(0)
	if _, err := p.Records(context.Background(), testOrigin); err == nil || errors.Is(err, provider.ErrGaveUp) || calls.Load() != 1 {
		t.Errorf("401 retried or not an error: %v, %d requests", err, calls.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Records(ctx, testOrigin); err == nil || errors.Is(err, provider.ErrTransient) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A CNAME replacing an A and a TXT at one name: in one PATCH, deletes first, even when the
// size limit would have cut between them.
func TestBatchesKeepANameTogether(t *testing.T) {
	p, _ := New(Config{APIURL: "http://127.0.0.1:1", APIKey: "k", MaxBody: 10})
	a := zone.RRset{Name: "swap." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
	cname := zone.RRset{Name: "swap." + testOrigin, Type: dns.TypeCNAME, TTL: 300, Values: []string{"a.example.test."}}
	txt := zone.RRset{Name: "swap." + testOrigin, Type: dns.TypeTXT, TTL: 300, Values: []string{`"x"`}}
	other := zone.RRset{Name: "zz." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.2"}}
	b, err := p.batches([]plan.Change{{Action: plan.Delete, Old: &a}, {Action: plan.Create, New: &cname}, {Action: plan.Delete, Old: &txt}, {Action: plan.Create, New: &other}})
	if err != nil || len(b) != 2 {
		t.Fatalf("batches = %+v, %v", b, err)
	}
	var got []string
	for _, s := range b[0].sets {
		got = append(got, s.ChangeType+" "+s.Type)
	}
	if strings.Join(got, ",") != "DELETE A,DELETE TXT,REPLACE CNAME" {
		t.Errorf("first PATCH: %s", strings.Join(got, ","))
	}
}
