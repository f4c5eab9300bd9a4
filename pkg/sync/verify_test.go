package sync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// secondary is a verify-only fake: Sync must never write it. Its feed copies the primary's
// records on a read once the primary was written (after lag more reads), unless broken.
type secondary struct {
	*fake
	timeout time.Duration
}

var _ provider.ReadOnly = secondary{}

func (s secondary) TransferTimeout() time.Duration { return s.timeout }

// feed makes sec transfer pri's records on the lag-th read after pri's first write.
func feed(sec, pri *fake, lag int) {
	seen := 0
	sec.onRecords = func() {
		if _, applies := pri.counts(); applies == 0 {
			return
		}
		if seen++; seen < lag {
			return
		}
		sets := pri.snapshot()
		sec.mu.Lock()
		sec.sets = map[zone.Key]zone.RRset{}
		for _, s := range sets {
			sec.sets[s.Key()] = s
		}
		sec.mu.Unlock()
	}
}

func verifyZone() []zone.RRset {
	return []zone.RRset{soaSet(), apexNS(),
		{Name: "www.example.com.", Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}}
}

func runVerify(t *testing.T, pri *fake, sec secondary, opts Options) []Result {
	t.Helper()
	ts := []Target{
		{Name: "pri", Provider: pri, Options: targets(pri)[0].Options},
		{Name: "sec", Provider: sec, Options: targets(pri)[0].Options},
	}
	s := &Syncer{Retry: fastRetry}
	return s.Sync(context.Background(), ts, verifyZone(), opts)
}

func TestVerifyOnlyWaitsForTransfer(t *testing.T) {
	pri := newFake([]zone.RRset{soaSet(), apexNS()})
	sec := secondary{newFake([]zone.RRset{soaSet(), apexNS()}), time.Minute}
	feed(sec.fake, pri, 3)
	res := runVerify(t, pri, sec, Options{})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if _, applies := sec.counts(); applies != 0 {
		t.Errorf("the verify-only secondary got %d Apply calls", applies)
	}
	if reads, _ := sec.counts(); reads < 3 {
		t.Errorf("secondary read %d times: Sync did not wait for the transfer", reads)
	}
	if p := res[1].Plan; p == nil || p.Empty() || !p.VerifyOnly {
		t.Errorf("the secondary's plan is %+v: want what it lacked before the transfer, marked verify-only", p)
	}
	if !converged(t, sec.fake, verifyZone()) {
		t.Error("secondary not converged")
	}
}

func TestVerifyOnlyBrokenFeed(t *testing.T) {
	pri := newFake([]zone.RRset{soaSet(), apexNS()})
	sec := secondary{newFake([]zone.RRset{soaSet(), apexNS()}), 700 * time.Millisecond}
	res := runVerify(t, pri, sec, Options{})
	if res[0].Err != nil {
		t.Fatalf("primary: %v", res[0].Err)
	}
	err := res[1].Err
	if !errors.Is(err, ErrNotTransferred) || !strings.Contains(err.Error(), "the secondary has not transferred generation 1 within 700ms") ||
		!strings.Contains(err.Error(), "serves no sync stamp") {
		t.Fatalf("secondary: %v", err)
	}
	if reads, applies := sec.counts(); applies != 0 || reads < 2 {
		t.Errorf("secondary: %d reads, %d applies; want a few reads and no write", reads, applies)
	}
}

func TestVerifyOnlyPrimaryFailed(t *testing.T) {
	pri := newFake([]zone.RRset{soaSet(), apexNS()})
	pri.failApply = 1
	sec := secondary{newFake([]zone.RRset{soaSet(), apexNS()}), time.Hour}
	feed(sec.fake, pri, 1)
	res := runVerify(t, pri, sec, Options{})
	if res[0].Err == nil {
		t.Fatal("primary should fail")
	}
	err := res[1].Err
	if !errors.Is(err, ErrNotTransferred) || !strings.Contains(err.Error(), "did not converge") {
		t.Fatalf("secondary: %v", err)
	}
	if reads, applies := sec.counts(); reads != 1 || applies != 0 {
		t.Errorf("secondary: %d reads, %d applies; want one look and no wait", reads, applies)
	}
}

func TestVerifyOnlyDryRunAndInSync(t *testing.T) {
	pri := newFake(verifyZone())
	sec := secondary{newFake([]zone.RRset{soaSet(), apexNS()}), time.Hour}
	res := runVerify(t, pri, sec, Options{DryRun: true})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if reads, applies := sec.counts(); reads != 1 || applies != 0 || res[1].Plan.Empty() {
		t.Errorf("dry run: %d reads, %d applies, plan %+v", reads, applies, res[1].Plan)
	}
	// Nothing to write on the primary, but the secondary lacks www: it is waited for (its
	// feed may be broken since an earlier sync), then reported.
	sec.timeout = 300 * time.Millisecond
	res = runVerify(t, newFake(verifyZone()), sec, Options{NoStamp: true})
	if err := res[1].Err; !errors.Is(err, ErrNotTransferred) || !strings.Contains(err.Error(), "1 RRsets differ") {
		t.Fatalf("secondary lacking www: %v", err)
	}
	// In sync already: one look, no wait.
	sec = secondary{newFake(verifyZone()), time.Hour}
	res = runVerify(t, newFake(verifyZone()), sec, Options{NoStamp: true})
	if err := errOf(res); err != nil {
		t.Fatal(err)
	}
	if reads, _ := sec.counts(); reads != 1 {
		t.Errorf("in sync: %d reads, want 1", reads)
	}
}
