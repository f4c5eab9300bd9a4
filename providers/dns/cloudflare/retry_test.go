package cloudflare

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

func TestRetriesHonourRetryAfter(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	f.emu.SetRetryAfter(7)
	f.emu.Inject(cfemu.Fault429, 2)
	f.emu.Inject(cfemu.Fault5xx, 1)
	f.emu.Inject(cfemu.FaultDrop, 1)
	if _, err := f.p.Records(context.Background(), origin); err != nil {
		t.Fatal(err)
	}
	// Go's transport may itself retry the GET whose connection was dropped, so three or four
	// waits: Retry-After twice, then exponential backoff (500 ms << attempt, jittered to
	// [half, full]).
	if len(f.waits) < 3 || f.waits[0] != 7*time.Second || f.waits[1] != 7*time.Second {
		t.Fatalf("waits %v", f.waits)
	}
	if f.waits[2] < time.Second || f.waits[2] > 2*time.Second {
		t.Fatalf("third wait %v, want backoff in [1s, 2s]", f.waits[2])
	}
}

// Once the call's retry budget is spent the error is ErrGaveUp and not ErrTransient: the
// caller must not retry it again.
func TestGivesUpWithoutSecrets(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, func(c *Config) { c.Retries = 2 })
	f.emu.FailAfter(0)
	f.emu.Inject(cfemu.Fault5xx, 10)
	_, err := f.p.Records(context.Background(), origin)
	if err == nil || !errors.Is(err, provider.ErrGaveUp) || errors.Is(err, provider.ErrTransient) {
		t.Fatalf("want a given-up, non-transient error, got %v", err)
	}
	if n := f.emu.Counts().Total(); n != 3 {
		t.Fatalf("%d requests, want 3 (1 + 2 retries)", n)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatal("token in error")
	}
	// Retry-After beyond MaxRetryWait gives up at once.
	g := newFixture(t, cfemu.Options{Budget: 2}, func(c *Config) { c.MaxRetryWait = time.Second })
	_, err = g.p.Records(context.Background(), origin) // zone lookup + list
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.p.Records(context.Background(), origin)
	if err == nil || !errors.Is(err, provider.ErrGaveUp) || !strings.Contains(err.Error(), "429") {
		t.Fatalf("over budget: %v", err)
	}
	// A wrong token is a clear, permanent error without the token.
	h := newFixture(t, cfemu.Options{}, func(c *Config) { c.APIToken = "wrong-" + testToken })
	_, err = h.p.Records(context.Background(), origin)
	if err == nil || errors.Is(err, provider.ErrTransient) || strings.Contains(err.Error(), testToken) {
		t.Fatalf("bad token: %v", err)
	}
}

type panicRT struct{}

func TestPanicRecovered(t *testing.T) {
	p, err := New(Config{APIToken: "x", Endpoint: "http://127.0.0.1:1/client/v4", HTTPClient: &http.Client{Transport: panicRT{}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(context.Background(), origin); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("want recovered panic, got %v", err)
	}
}

func TestAmbiguousWriteConverges(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	desired := []zone.RRset{set("x.example.com.", dns.TypeA, 300, "192.0.2.1"), set("y.example.com.", dns.TypeCNAME, 300, "x.example.com.")}
	if err := f.sync(desired[:1]); err != nil {
		t.Fatal(err)
	}
	pl := f.plan(desired)
	// The batch is applied but its reply lost; the retry then conflicts (identical record),
	// so Apply re-reads the zone and finds nothing left to do.
	f.emu.ResetCounts()
	injectOnBatch(f)
	if err := f.p.Apply(context.Background(), origin, pl.Changes); err != nil {
		t.Fatal(err)
	}
	if c := f.emu.Counts(); c.Batch != 2 || c.Reads != 2 {
		t.Fatalf("counts %+v: want list, batch (lost), batch (conflict), list", c)
	}
	if got := f.records(); !equalSets(got, desired) {
		t.Fatalf("records %v", got)
	}
	if n := len(f.emu.Records(f.zoneID)); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
}

// injectOnBatch queues a drop-after-apply fault for the request after the next (the batch
// that follows Apply's listing).
func injectOnBatch(f *fixture) {
	f.emu.Inject(0, 1) // the listing passes
	f.emu.Inject(cfemu.FaultDropAfter, 1)
}

func TestRetryWaitBeyondDeadlineGivesUp(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	f.emu.SetRetryAfter(120)
	f.emu.Inject(cfemu.Fault429, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := f.p.Records(ctx, origin)
	if !errors.Is(err, provider.ErrGaveUp) || !strings.Contains(err.Error(), "deadline") || len(f.waits) != 0 {
		t.Fatalf("err %v, waits %v", err, f.waits)
	}
}
