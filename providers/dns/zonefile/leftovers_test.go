package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

func oneChange(t *testing.T) []plan.Change {
	t.Helper()
	s := zone.RRset{Name: "www." + testZone, Type: 1, TTL: 300, Values: []string{"192.0.2.1"}}
	return []plan.Change{{Action: plan.Create, New: &s}}
}

// TestStaleTempFilesRemoved: the temporary files a writer killed mid-write left beside the
// zone file are removed by the next write.
func TestStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "z.zone")
	stale := []string{filepath.Join(dir, ".z.zone.tmp123"), filepath.Join(dir, ".z.zone.tmp4567890")}
	other := filepath.Join(dir, ".other.zone.tmp1") // another file's: not ours to remove
	for _, f := range append(stale, other) {
		if err := os.WriteFile(f, []byte("half a zone"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(context.Background(), testZone, oneChange(t)); err != nil {
		t.Fatal(err)
	}
	for _, f := range stale {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there after a write", f)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp was removed: %v", err)
	}
}

// TestReloadChildHoldingThePipe: a reload command that leaves a child holding its output
// open (a daemon it started) does not hang the write: the sync goes on a few seconds later.
func TestReloadChildHoldingThePipe(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	t.Cleanup(func() { // the child must not outlive the test
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	p, err := New(Config{Path: filepath.Join(dir, "z.zone"), Reload: "sleep 120 & echo $! > " + pidFile + "; echo reloaded"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Apply(context.Background(), testZone, oneChange(t)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("apply with a reload that exited 0: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the write hangs on a reload child holding the pipe")
	}
}
