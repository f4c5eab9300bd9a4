package controller

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// transferred is a verify-only secondary: a zone file twinzone only reads, which "transfers"
// (a copy of the primary's file) before each read while its feed works.
type transferred struct {
	provider.Provider
	feed func()
}

var _ provider.ReadOnly = (*transferred)(nil)

func (p *transferred) TransferTimeout() time.Duration { return 700 * time.Millisecond }

func (p *transferred) Records(ctx context.Context, z string) ([]zone.RRset, error) {
	p.feed()
	return p.Provider.Records(ctx, z)
}

func (p *transferred) Apply(context.Context, string, []plan.Change) error {
	return provider.ErrReadOnly
}

// TestPeriodicSyncVerifyOnly: run's periodic sync writes the primary and, when the verify-only
// secondary does not transfer the new version, fails for it (log and metric) without writing
// it; once its feed works, the same sync passes.
func TestPeriodicSyncVerifyOnly(t *testing.T) {
	l, _, paths := fileLab(t)
	if err := os.WriteFile(paths["sec"], []byte(testZoneText), 0o600); err != nil {
		t.Fatal(err)
	}
	var feeding atomic.Bool
	pri, err := zonefile.New(zonefile.Config{Path: paths["pri"]})
	if err != nil {
		t.Fatal(err)
	}
	secFile, err := zonefile.New(zonefile.Config{Path: paths["sec"]})
	if err != nil {
		t.Fatal(err)
	}
	sec := &transferred{Provider: secFile, feed: func() {
		if !feeding.Load() {
			return
		}
		if b, err := os.ReadFile(paths["pri"]); err == nil {
			_ = os.WriteFile(paths["sec"], b, 0o600)
		}
	}}
	l.ctrl.opts.Sync.Open = func(_ context.Context, name string) (provider.Provider, error) {
		if name == "sec" {
			return sec, nil
		}
		return pri, nil
	}

	l.ctrl.SyncNow(context.Background())
	b, err := os.ReadFile(paths["pri"])
	if err != nil || !strings.Contains(string(b), "v=tz2 g=2026120201") {
		t.Fatalf("the primary was not synced: %v\n%s", err, b)
	}
	if s, _ := os.ReadFile(paths["sec"]); !bytes.Equal(s, []byte(testZoneText)) {
		t.Fatalf("the verify-only secondary was written:\n%s", s)
	}
	if got := l.log.lines(`msg="periodic sync failed"`, "the secondary has not transferred generation 2026120201"); len(got) != 1 {
		t.Fatalf("stale secondary not reported:\n%s", l.log)
	}
	body := scrape(t, l.ctrl)
	if !strings.Contains(body, `twinzone_sync_errors_total{provider="sec",zone="example.test."} 1`) ||
		strings.Contains(body, `twinzone_sync_errors_total{provider="pri",zone="example.test."} 1`) {
		t.Fatalf("metrics:\n%s", grepLines(body, "sync_errors"))
	}

	feeding.Store(true)
	l.ctrl.SyncNow(context.Background())
	if got := l.log.lines(`msg="periodic sync failed"`); len(got) != 1 {
		t.Fatalf("the sync with a working feed failed:\n%s", l.log)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_sync_last_success_timestamp_seconds{provider="sec",zone="example.test."}`) {
		t.Fatalf("no success for sec:\n%s", grepLines(body, "sync_last"))
	}
}
