package cloudflare

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

const testToken = "secret-token-do-not-leak"

// sent is one request the adapter made.
type sent struct {
	Method, Path, Query, Body string
}

// recorder is a RoundTripper that records every request.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, strings.TrimPrefix(req.URL.Path, "/client/v4"), req.URL.RawQuery, string(body)})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

type fixture struct {
	t      *testing.T
	emu    *cfemu.Server
	zoneID string
	p      *Provider
	rec    *recorder
	waits  []time.Duration
	wmu    sync.Mutex
}

const origin = "example.com."

func newFixture(t *testing.T, o cfemu.Options, mod func(*Config)) *fixture {
	t.Helper()
	o.Token = testToken
	emu := cfemu.New(o)
	t.Cleanup(emu.Close)
	f := &fixture{t: t, emu: emu, zoneID: emu.AddZone(origin), rec: &recorder{}}
	cfg := Config{
		APIToken: testToken, Endpoint: emu.URL, RateLimit: rate.Inf,
		HTTPClient: &http.Client{Transport: f.rec}, RequestTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Record retry waits instead of sleeping them.
	p.c.sleep = func(ctx context.Context, d time.Duration) error {
		f.wmu.Lock()
		f.waits = append(f.waits, d)
		f.wmu.Unlock()
		return ctx.Err()
	}
	f.p = p
	return f
}

func set(name string, typ uint16, ttl uint32, values ...string) zone.RRset {
	s := zone.RRset{Name: name, Type: typ, TTL: ttl, Values: values}
	zone.Sort([]zone.RRset{s})
	return s
}

// records reads the zone without apex NS.
func (f *fixture) records() []zone.RRset {
	f.t.Helper()
	rs, err := f.p.Records(context.Background(), origin)
	if err != nil {
		f.t.Fatalf("Records: %v", err)
	}
	out := rs[:0:0]
	for _, r := range rs {
		if !(r.Name == origin && r.TypeString() == "NS") {
			out = append(out, r)
		}
	}
	return out
}

// sync plans desired against the provider and applies the plan.
func (f *fixture) sync(desired []zone.RRset) error {
	f.t.Helper()
	pl := f.plan(desired)
	return f.p.Apply(context.Background(), origin, pl.Changes)
}

func (f *fixture) plan(desired []zone.RRset) *plan.Plan {
	f.t.Helper()
	cur, err := f.p.Records(context.Background(), origin)
	if err != nil {
		f.t.Fatalf("Records: %v", err)
	}
	zone.Sort(desired)
	pl, err := plan.Calculate(desired, cur, plan.Options{Origin: origin, Traits: f.p.Traits()})
	if err != nil {
		f.t.Fatalf("plan: %v", err)
	}
	return pl
}

func equalSets(a, b []zone.RRset) bool {
	if len(a) != len(b) {
		return false
	}
	zone.Sort(a)
	zone.Sort(b)
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}
