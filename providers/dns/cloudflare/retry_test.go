package cloudflare

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// syncOnce runs one whole sync (pkg/sync, with its own retry policy generous on purpose) of
// desired into f's provider and returns the target's error.
func syncOnce(t *testing.T, f *fixture, desired []zone.RRset) error {
	t.Helper()
	s := &tzsync.Syncer{Retry: tzsync.RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond}}
	res := s.Sync(context.Background(), []tzsync.Target{{Name: "cf", Provider: f.p, Options: plan.Options{Origin: origin}}},
		desired, tzsync.Options{Force: true, NoStamp: true})
	return res[0].Err
}

// One retry layer: a permanently failing Cloudflare gets at most 1 + Config.Retries requests
// for a whole sync. (With retries stacked in sync, client and Apply rounds it was 5 x 4 for a
// read and 5 x 3 x 4 for an ambiguous write.)
func TestSyncAttemptsBoundedRead(t *testing.T) {
	const retries = 3
	f := newFixture(t, cfemu.Options{}, func(c *Config) { c.Retries = retries })
	f.emu.Inject(cfemu.Fault5xx, 1000) // every request, for longer than any budget
	err := syncOnce(t, f, []zone.RRset{set("a."+origin, dns.TypeA, 300, "192.0.2.1")})
	if !errors.Is(err, provider.ErrGaveUp) {
		t.Fatalf("sync error %v, want one marked ErrGaveUp", err)
	}
	if n := f.emu.Counts().Total(); n != 1+retries {
		t.Fatalf("%d requests for one sync against a failing endpoint, want %d", n, 1+retries)
	}
}

// failWrites answers every write with 503 (nothing applied, outcome unknown to the client),
// and passes reads to the emulator.
type failWrites struct {
	next   http.RoundTripper
	writes int
}

func (w *failWrites) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		return w.next.RoundTrip(req)
	}
	w.writes++
	body := `{"success":false,"errors":[{"code":10000,"message":"Service temporarily unavailable"}]}`
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func TestSyncAttemptsBoundedAmbiguousWrite(t *testing.T) {
	const retries = 4
	fw := &failWrites{}
	f := newFixture(t, cfemu.Options{}, func(c *Config) {
		c.Retries = retries
		fw.next = c.HTTPClient.Transport
		c.HTTPClient = &http.Client{Transport: fw}
	})
	desired := []zone.RRset{set("a."+origin, dns.TypeA, 300, "192.0.2.1"), set("b."+origin, dns.TypeTXT, 300, `"x"`)}
	err := syncOnce(t, f, desired)
	if !errors.Is(err, provider.ErrGaveUp) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("sync error %v, want 503 marked ErrGaveUp", err)
	}
	// Write retries and Apply's re-read rounds share the budget: at most 1 + retries writes.
	t.Logf("writes %d, reads %d: %v", fw.writes, f.emu.Counts().Reads, err)
	if fw.writes < 1 || fw.writes > 1+retries {
		t.Fatalf("%d write requests for one sync, want 1..%d", fw.writes, 1+retries)
	}
	if n := f.emu.Counts().Reads; n > 2+retries+maxRounds {
		t.Fatalf("%d reads for one sync, want at most %d", n, 2+retries+maxRounds)
	}
}
