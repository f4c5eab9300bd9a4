package dnsserver

import (
	"context"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// Port53Lock is the file every test that serves on port 53 of 127.0.0.1 locks: BIND cannot
// bind another loopback address, and go test runs packages in parallel.
const Port53Lock = "/tmp/twinzone-port53.lock"

// LockPort53 takes Port53Lock for the rest of the test (released on t.Cleanup), waiting at
// most 3 minutes.
func LockPort53(t testing.TB) {
	t.Helper()
	lk := flock.New(Port53Lock)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 200*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("lock %s (another test serving on port 53): ok=%v err=%v", Port53Lock, ok, err)
	}
	t.Cleanup(func() { _ = lk.Unlock() })
}
