package state

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestJournalAppendAndRead(t *testing.T) {
	s, _ := Open(t.TempDir())
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, k := range []string{KindVerdict, KindPreflight, KindFailover, KindSync} {
		zone := "a."
		if k == KindSync {
			zone = "B."
		}
		ev := Event{Time: t0.Add(time.Duration(i) * time.Second), Zone: zone, Kind: k, Provider: "cf",
			Message: k + " happened", Evidence: map[string]any{"round": i, "addrs": []string{"192.0.2.1:53"}}}
		if err := s.Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Events("", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[3].Zone != "b." || all[0].Kind != KindVerdict {
		t.Fatalf("events = %+v", all)
	}
	a, _ := s.Events("A.", 2)
	if len(a) != 2 || a[0].Kind != KindPreflight || a[1].Kind != KindFailover {
		t.Fatalf("latest 2 of a. = %+v", a)
	}
	ev := a[1].Evidence.(map[string]any)
	if ev["round"].(float64) != 2 || !a[1].Time.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("evidence/time lost: %+v", a[1])
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir(), JournalFile))
	if lines := strings.Count(string(b), "\n"); lines != 4 {
		t.Fatalf("journal has %d lines", lines)
	}
}

func TestJournalTornLine(t *testing.T) {
	var logs bytes.Buffer
	s, _ := Open(t.TempDir(), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	if err := s.Append(ctx, Event{Zone: "a.", Kind: KindVerdict, Message: "one"}); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash mid-write: half a JSON object without a newline.
	f, _ := os.OpenFile(filepath.Join(s.Dir(), JournalFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-01-01T00:00:00Z","zone":"a.","kind":"failo`)
	f.Close()
	evs, err := s.Events("a.", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Message != "one" {
		t.Fatalf("events with torn tail = %+v", evs)
	}
	if !strings.Contains(logs.String(), "unreadable line") {
		t.Fatalf("no warning logged: %q", logs.String())
	}
	// Appending after the torn line keeps the new event intact.
	if err := s.Append(ctx, Event{Zone: "a.", Kind: KindFailback, Message: "two"}); err != nil {
		t.Fatal(err)
	}
	evs, _ = s.Events("a.", 0)
	if len(evs) != 2 || evs[1].Message != "two" {
		t.Fatalf("events after append = %+v", evs)
	}
}

func TestJournalConcurrentAppends(t *testing.T) {
	s, _ := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Append(context.Background(), Event{Zone: "a.", Kind: KindSync, Message: strings.Repeat("x", 500)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	evs, err := s.Events("a.", 0)
	if err != nil || len(evs) != 50 {
		t.Fatalf("got %d events, err %v", len(evs), err)
	}
}

func TestJournalMissingAndCancelled(t *testing.T) {
	s, _ := Open(t.TempDir())
	evs, err := s.Events("a.", 5)
	if err != nil || len(evs) != 0 {
		t.Fatalf("missing journal: %v %v", evs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Append(ctx, Event{Kind: KindSync}); err == nil {
		t.Fatal("Append with cancelled ctx: want error")
	}
	if err := s.Append(context.Background(), Event{Kind: KindSync, Evidence: func() {}}); err == nil {
		t.Fatal("unmarshalable evidence: want error")
	}
}
