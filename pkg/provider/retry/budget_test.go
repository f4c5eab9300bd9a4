package retry

import (
	"context"
	"testing"
	"time"
)

func TestBudgetCountsRetries(t *testing.T) {
	b := New(2, 0, nil)
	for i := range 2 {
		if err := b.Take(time.Second); err != nil {
			t.Fatalf("retry %d refused: %v", i+1, err)
		}
	}
	if err := b.Take(0); err == nil {
		t.Fatal("third retry granted from a budget of 2")
	}
	if b.Used() != 2 {
		t.Fatalf("Used = %d, want 2", b.Used())
	}
}

func TestBudgetTime(t *testing.T) {
	now := time.Unix(1000, 0)
	b := New(10, time.Minute, func() time.Time { return now })
	if err := b.Take(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	now = now.Add(45 * time.Second)
	if err := b.Take(30 * time.Second); err == nil {
		t.Fatal("a retry starting after the time budget was granted")
	}
	if err := b.Take(10 * time.Second); err != nil {
		t.Fatalf("a retry inside the time budget was refused: %v", err)
	}
	if b.Used() != 2 {
		t.Fatalf("Used = %d, want 2 (a refused retry does not count)", b.Used())
	}
}

func TestEnsureShares(t *testing.T) {
	made := 0
	mk := func() *Budget { made++; return New(1, 0, nil) }
	ctx, b := Ensure(context.Background(), mk)
	ctx2, b2 := Ensure(ctx, mk)
	if made != 1 || b != b2 || From(ctx2) != b {
		t.Fatalf("nested Ensure made %d budgets (want 1 shared)", made)
	}
}
