package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/state"
)

// twoFilesConfig is a zone on two zonefile providers: sync needs no server.
const twoFilesConfig = `providers:
  a: {type: zonefile, path: a/example.com.zone}
  b: {type: zonefile, path: b/example.com.zone}
zones:
  - name: example.com.
    file: example.com.zone
    primary:   {provider: a, nameservers: ["ns1.a.example.=127.0.0.1:5301"]}
    secondary: {provider: b, nameservers: ["ns1.b.example.=127.0.0.1:5302"]}
`

// TestSyncWaitingForTheLockSaysForWhom: while another process holds the state lock, sync says
// it waits and names the holder (pid and command line from the lock file); it goes on once
// the lock is free.
func TestSyncWaitingForTheLockSaysForWhom(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"twinzone.yaml": twoFilesConfig, "example.com.zone": goodZone})
	st, err := state.Open(filepath.Join(dir, ".twinzone"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := st.TryLock()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"twinzone", "sync", "--config", filepath.Join(dir, "twinzone.yaml")}, &syncBuffer{}, &stderr)
	}()
	want := fmt.Sprintf("pid %d (%s", os.Getpid(), os.Args[0])
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), "waiting for the state lock") || !strings.Contains(stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("sync does not say whom it waits for (want %q):\n%s", want, stderr.String())
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
	select {
	case code := <-done:
		t.Fatalf("sync ended (exit %d) while the lock was held:\n%s", code, stderr.String())
	default:
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("sync after the lock was freed: exit %d\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("sync did not go on after the lock was freed")
	}
}

// TestLockErrorNamesTheRealCause: a lock that cannot be taken for another reason than
// contention (here the lock file is a directory; a read-only state directory is the same
// path) reports that reason, not "another twinzone is syncing".
func TestLockErrorNamesTheRealCause(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"twinzone.yaml": twoFilesConfig, "example.com.zone": goodZone})
	if err := os.MkdirAll(filepath.Join(dir, ".twinzone", state.LockFile), 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "sync", "--config", filepath.Join(dir, "twinzone.yaml"))
	if code != exitError || strings.Contains(stderr, "another twinzone") || !strings.Contains(stderr, "is a directory") {
		t.Fatalf("sync with an unusable lock file: exit %d\n%s%s", code, out, stderr)
	}
}

// TestSyncThatCannotBeRecorded: when the journal cannot be written (here it is a directory; a
// full or read-only disk is the same path), sync exits 1 and says the result is not recorded,
// and status says the state directory cannot record.
func TestSyncThatCannotBeRecorded(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"twinzone.yaml": twoFilesConfig, "example.com.zone": goodZone})
	conf := filepath.Join(dir, "twinzone.yaml")
	if err := os.MkdirAll(filepath.Join(dir, ".twinzone", state.JournalFile), 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "sync", "--config", conf)
	if code != exitError || !strings.Contains(stderr, "could not be recorded in the shared history") {
		t.Fatalf("sync with an unwritable journal: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "status", "--config", conf)
	if code != 0 || !strings.Contains(out, "state:     NOT WRITABLE") {
		t.Fatalf("status with an unwritable journal: exit %d\n%s%s", code, out, stderr)
	}
}
