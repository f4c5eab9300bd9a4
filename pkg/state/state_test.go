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
		z.Changes = []Change{{ID: "1", Zone: "example.com.", Kind: ChangeFailover, Auto: true, Nameservers: []string{"b.ns.example.net."}, Started: t0, Applied: true}}
		z.LastSync = &Sync{Time: t0, Hash: "abc", Providers: map[string]bool{"cf": true, "aws": false}}
		z.Observed = Observed{At: t0, Delegation: []string{"a.ns.example.net.", "b.ns.example.net."},
			Verdicts: map[string]Verdict{"cf": {Status: "down", Since: t0, Detail: "3 rounds"}}}
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
	if z == nil || len(z.Changes) != 1 || !z.Changes[0].Started.Equal(t0) || len(z.Observed.Delegation) != 2 ||
		z.LastSync.Hash != "abc" || z.LastSync.Providers["aws"] || z.Observed.Verdicts["cf"].Status != "down" {
		t.Fatalf("round trip lost data: %+v", z)
	}
	h := ZoneHistory{Changes: z.Changes}
	if h.AutoFailoversOn(t0, nil) != 1 || h.AutoFailoversOn(t0.Add(2*time.Hour), nil) != 0 {
		t.Fatalf("failovers on the day: %d", h.AutoFailoversOn(t0, nil))
	}
	fi, _ := os.Stat(filepath.Join(s.Dir(), StateFile))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v", fi.Mode().Perm())
	}
}

func TestUpdateErrorLeavesFileUntouched(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.Update(func(st *State) error { st.Zone("a.").Observed.Delegation = []string{"ns1.a."}; return nil })
	before, _ := os.ReadFile(filepath.Join(s.Dir(), StateFile))
	boom := errors.New("boom")
	err := s.Update(func(st *State) error { st.Zone("a.").Observed.Delegation = []string{"ns2.a."}; return boom })
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
	if err := s.Update(func(st *State) error { st.Zone("a.").Observed.Delegation = []string{"ns1.a."}; return nil }); err != nil {
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
	if got := st.Zones["a."].Observed.Delegation; len(got) != 1 || got[0] != "ns1.a." {
		t.Fatalf("delegation after crash = %v", got)
	}
	if err := s.Update(func(st *State) error { st.Zone("a.").Observed.Delegation = []string{"ns2.a."}; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(torn); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover temp file not removed: %v", err)
	}
	st, _ = s.Load()
	if got := st.Zones["a."].Observed.Delegation; got[0] != "ns2.a." {
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
					z := st.Zone("a.")
					z.Changes = append(z.Changes, Change{ID: fmt.Sprint(len(z.Changes))})
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
	if got := len(st.Zones["a."].Changes); got != 2*n {
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

// TestSchema1Migrates: a state file of twinzone 0.x keeps its cooldown and daily-cap history.
func TestSchema1Migrates(t *testing.T) {
	s, _ := Open(t.TempDir())
	old := `{"version": 1, "zones": {"example.com.": {"delegation": ["NS1.sec.test"], "mode": "failed_over",
		"failed_provider": "pri", "last_failover": "2026-11-22T10:00:00Z", "failovers_today": 2,
		"failover_day": "2026-11-22", "verdicts": {"pri": {"status": "down"}}}}}`
	if err := os.WriteFile(filepath.Join(s.Dir(), StateFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := s.ZoneHistory(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if n := h.AutoFailoversOn(t0, nil); n != 2 || len(h.Observed.Delegation) != 1 || h.Observed.Verdicts["pri"].Status != "down" {
		t.Fatalf("migrated: %d failovers, %+v", n, h)
	}
	if last, _ := h.Last(); !last.Started.Equal(t0.Add(-2*time.Hour)) || !last.Counts(nil) {
		t.Fatalf("last change %+v", last)
	}
}
