package state

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestOpenCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "state")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o700 {
		t.Fatalf("dir mode = %v, want 0700", perm)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := Open(f); err == nil {
		t.Fatal("Open on a file: want error")
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	s, _ := Open(t.TempDir())
	st, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Zones) != 0 || st.Version != SchemaVersion {
		t.Fatalf("got %+v", st)
	}
}

func TestUpdateRoundTrip(t *testing.T) {
	s, _ := Open(t.TempDir())
	t0 := time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC)
	err := s.Update(func(st *State) error {
		z := st.Zone("Example.COM.")
		z.Delegation = []string{"a.ns.example.net.", "b.ns.example.net."}
		z.Mode = ModeFailedOver
		z.CountFailover(t0)
		z.LastSync = &Sync{Time: t0, Hash: "abc", Providers: map[string]bool{"cf": true, "aws": false}}
		z.Verdicts = map[string]Verdict{"cf": {Status: "down", Since: t0, Detail: "3 rounds"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	z := st.Zones["example.com."]
	if z == nil || z.Mode != ModeFailedOver || len(z.Delegation) != 2 || !z.LastFailover.Equal(t0) ||
		z.LastSync.Hash != "abc" || z.LastSync.Providers["aws"] || z.Verdicts["cf"].Status != "down" {
		t.Fatalf("round trip lost data: %+v", z)
	}
	if z.FailoversOn(t0) != 1 || z.FailoversOn(t0.Add(2*time.Hour)) != 0 {
		t.Fatalf("failovers today: %d", z.FailoversOn(t0))
	}
	z.CountFailover(t0.Add(30 * time.Minute))
	z.CountFailover(t0.Add(2 * time.Hour)) // next UTC day
	if z.FailoversToday != 1 || z.FailoverDay != "2026-11-23" {
		t.Fatalf("day rollover: %d on %s", z.FailoversToday, z.FailoverDay)
	}
	fi, _ := os.Stat(filepath.Join(s.Dir(), StateFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v", fi.Mode().Perm())
	}
}

func TestUpdateErrorLeavesFileUntouched(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.Update(func(st *State) error { st.Zone("a.").Mode = ModeNormal; return nil })
	before, _ := os.ReadFile(filepath.Join(s.Dir(), StateFile))
	boom := errors.New("boom")
	err := s.Update(func(st *State) error { st.Zone("a.").Mode = ModeFailedOver; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(s.Dir(), StateFile))
	if string(before) != string(after) {
		t.Fatal("failed update changed the file")
	}
}

// A crash between creating the temp file and renaming it leaves a temp file (possibly torn)
// behind: the state keeps its last complete version and the next update cleans up.
func TestAtomicWriteSurvivesCrash(t *testing.T) {
	s, _ := Open(t.TempDir())
	if err := s.Update(func(st *State) error { st.Zone("a.").Delegation = []string{"ns1.a."}; return nil }); err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(s.Dir(), tempPrefix+"12345")
	if err := os.WriteFile(torn, []byte(`{"version":1,"zones":{"a.":{"deleg`), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Zones["a."].Delegation; len(got) != 1 || got[0] != "ns1.a." {
		t.Fatalf("delegation after crash = %v", got)
	}
	if err := s.Update(func(st *State) error { st.Zone("a.").Delegation = []string{"ns2.a."}; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(torn); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover temp file not removed: %v", err)
	}
	st, _ = s.Load()
	if got := st.Zones["a."].Delegation; got[0] != "ns2.a." {
		t.Fatalf("delegation = %v", got)
	}
}

func TestCorruptStateIsAnError(t *testing.T) {
	s, _ := Open(t.TempDir())
	os.WriteFile(filepath.Join(s.Dir(), StateFile), []byte("{not json"), 0o600)
	if _, err := s.Load(); err == nil {
		t.Fatal("want error for corrupt state")
	}
	if err := s.Update(func(*State) error { return nil }); err == nil {
		t.Fatal("Update over corrupt state: want error")
	}
}

// Concurrent updates from two Stores on one directory (as two processes would) and from many
// goroutines never lose an increment.
func TestConcurrentUpdateSerialised(t *testing.T) {
	dir := t.TempDir()
	s1, _ := Open(dir)
	s2, _ := Open(dir)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		for _, s := range []*Store{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.Update(func(st *State) error {
					st.Zone("a.").FailoversToday++
					return nil
				})
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s1.Load()
	if got := st.Zones["a."].FailoversToday; got != 2*n {
		t.Fatalf("counter = %d, want %d (lost updates)", got, 2*n)
	}
}

func TestAddrCache(t *testing.T) {
	s, _ := Open(t.TempDir())
	c := s.AddrCache("Example.com.")
	if _, ok := c.Addrs("ns1.example.net."); ok {
		t.Fatal("empty cache returned addresses")
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:53"), netip.MustParseAddrPort("[2001:db8::1]:53")}
	if err := c.SetAddrs("NS1.example.net.", want); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAddrs("ns1.example.net.", nil); err != nil { // empty never overwrites
		t.Fatal(err)
	}
	// A fresh store (another process, later) sees the addresses.
	s2, _ := Open(s.Dir())
	got, ok := s2.AddrCache("example.com.").Addrs("ns1.example.net.")
	if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("cached = %v %v", got, ok)
	}
	if _, ok := s2.AddrCache("other.com.").Addrs("ns1.example.net."); ok {
		t.Fatal("cache leaked across zones")
	}
}
