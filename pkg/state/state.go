// Package state keeps what twinzone must remember between runs, in one directory: the state
// file (state.json, replaced atomically), the journal (journal.jsonl, one JSON event a line) and
// the lock (twinzone.lock) that lets only one process act on the delegation at a time.
//
// A Store is safe for concurrent use by goroutines. Update is also serialised across processes
// that share the directory (through a short-held lock on state.json.lock); the long-held action
// lock (TryLock/Lock) is separate and is what controllers and syncs take before acting.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// File names inside the state directory.
const (
	StateFile   = "state.json"
	JournalFile = "journal.jsonl"
	LockFile    = "twinzone.lock"
	updateLock  = "state.json.lock"
	tempPrefix  = ".state.json.tmp-"
)

// SchemaVersion is written into every state file. Version 2 keeps delegation changes (see
// History) where version 1 kept counters; version 1 files are read and migrated.
const SchemaVersion = 2

// Modes of a zone, as `status` shows them.
const (
	ModeNormal     = "normal"
	ModeFailedOver = "failed_over"
)

// State is the whole content of state.json.
type State struct {
	Version int                   `json:"version"`
	Zones   map[string]*ZoneState `json:"zones"`
}

// ZoneState is what twinzone remembers about one zone (keyed by its absolute lower-case name).
// The delegation changes, the last sync and the last observations are the zone's History
// (see History); the address cache is local to the machine.
type ZoneState struct {
	// Changes are the recent delegation changes (History), oldest first.
	Changes  []Change `json:"changes,omitempty"`
	LastSync *Sync    `json:"last_sync,omitempty"`
	// Observed is what a controller last saw (History.RecordObserved).
	Observed Observed `json:"observed,omitzero"`
	// Addrs caches resolved nameserver addresses: absolute name -> addresses.
	Addrs map[string]CachedAddrs `json:"addrs,omitempty"`
}

// UnmarshalJSON reads a zone of either schema. Schema 1 (twinzone 0.x) kept counters instead of
// changes: its last failover (counted FailoversToday times on FailoverDay) and failback become
// changes, so that cooldown and the daily cap survive the upgrade.
func (z *ZoneState) UnmarshalJSON(b []byte) error {
	type plain ZoneState
	var v struct {
		plain
		Delegation     []string           `json:"delegation"`
		LastFailover   time.Time          `json:"last_failover"`
		LastFailback   time.Time          `json:"last_failback"`
		FailoversToday int                `json:"failovers_today"`
		FailoverDay    string             `json:"failover_day"`
		Verdicts       map[string]Verdict `json:"verdicts"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*z = ZoneState(v.plain)
	if len(z.Changes) == 0 {
		legacy := func(kind string, t time.Time) {
			z.Changes = append(z.Changes, Change{ID: "schema1-" + kind + "-" + strconv.Itoa(len(z.Changes)), Kind: kind, Auto: true,
				Nameservers: NormalizeNames(v.Delegation), Started: t, Deadline: t, Finished: t, Applied: true, Confirmed: true,
				Reason: "recorded by twinzone 0.x (schema 1)"})
		}
		n := v.FailoversToday
		if v.FailoverDay != v.LastFailover.UTC().Format(time.DateOnly) {
			n = 0
		}
		for range max(n, 1) {
			if !v.LastFailover.IsZero() {
				legacy(ChangeFailover, v.LastFailover)
			}
		}
		if v.LastFailback.After(v.LastFailover) {
			legacy(ChangeFailback, v.LastFailback)
		}
	}
	if z.Observed.At.IsZero() && (len(v.Delegation) > 0 || len(v.Verdicts) > 0) {
		z.Observed = Observed{Delegation: NormalizeNames(v.Delegation), Verdicts: v.Verdicts}
	}
	return nil
}

// Sync records the last sync run of a zone.
type Sync struct {
	Time      time.Time       `json:"time"`
	Hash      string          `json:"hash"`      // plan.StampHash of the desired records
	Providers map[string]bool `json:"providers"` // provider name -> converged
	// Generation is the zone file's SOA serial written in the stamp (nil: a stamp without
	// generation).
	Generation *uint32 `json:"generation,omitempty"`
}

// Verdict is a provider's health as last decided by the controller.
type Verdict struct {
	Status string    `json:"status"` // "up", "down", "unknown"
	Since  time.Time `json:"since,omitzero"`
	Detail string    `json:"detail,omitempty"`
}

// CachedAddrs is the last successful resolution of a nameserver name.
type CachedAddrs struct {
	Addrs      []netip.AddrPort `json:"addrs"`
	ResolvedAt time.Time        `json:"resolved_at"`
}

// Zone returns the state of zone, creating it if absent. Names are lower-cased.
func (s *State) Zone(zone string) *ZoneState {
	if s.Zones == nil {
		s.Zones = map[string]*ZoneState{}
	}
	zone = strings.ToLower(zone)
	z := s.Zones[zone]
	if z == nil {
		z = &ZoneState{}
		s.Zones[zone] = z
	}
	return z
}

// Store is an opened state directory.
type Store struct {
	dir    string
	logger *slog.Logger
	mu     sync.Mutex // serialises Update and journal appends within the process
	jmu    sync.Mutex
}

// Option configures a Store.
type Option func(*Store)

// WithLogger sets the logger for warnings (torn journal lines); nil discards.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.logger = l } }

// Open opens (creating with mode 0700 if needed) the state directory dir.
func Open(dir string, opts ...Option) (*Store, error) {
	if dir == "" {
		return nil, errors.New("state: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: create %s: %w", dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("state: %s is not a directory", dir)
	}
	s := &Store{dir: dir}
	for _, o := range opts {
		o(s)
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

// Load reads state.json. A missing file is an empty state; leftover temporary files from an
// interrupted write are ignored.
func (s *Store) Load() (*State, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: SchemaVersion, Zones: map[string]*ZoneState{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: read: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state: parse %s: %w", filepath.Join(s.dir, StateFile), err)
	}
	if st.Version > SchemaVersion {
		return nil, fmt.Errorf("state: %s has schema version %d, this twinzone knows up to %d", StateFile, st.Version, SchemaVersion)
	}
	if st.Zones == nil {
		st.Zones = map[string]*ZoneState{}
	}
	st.Version = SchemaVersion
	return &st, nil
}

// Update loads the state, calls fn and, if fn returns nil, writes the state atomically. Updates
// are serialised within the process and across processes sharing the directory; an error from
// fn leaves the file untouched and is returned as is.
func (s *Store) Update(fn func(*State) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fl := flock.New(filepath.Join(s.dir, updateLock), flock.SetPermissions(0o600))
	if err := fl.Lock(); err != nil {
		return fmt.Errorf("state: lock for update: %w", err)
	}
	defer fl.Unlock()
	s.removeTemps()
	st, err := s.Load()
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	return s.write(st)
}

// write replaces state.json atomically: temp file, fsync, rename, fsync of the directory.
func (s *Store) write(st *State) error {
	st.Version = SchemaVersion
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state: encode: %w", err)
	}
	b = append(b, '\n')
	f, err := os.CreateTemp(s.dir, tempPrefix)
	if err != nil {
		return fmt.Errorf("state: write: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("state: write: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("state: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("state: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state: write: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, StateFile)); err != nil {
		return fmt.Errorf("state: rename: %w", err)
	}
	ok = true
	return syncDir(s.dir)
}

// removeTemps deletes temporary files left by a write that crashed; callers hold the update lock.
func (s *Store) removeTemps() {
	left, _ := filepath.Glob(filepath.Join(s.dir, tempPrefix+"*"))
	for _, f := range left {
		s.logger.Warn("state: removing temporary file left by an interrupted write", "file", f)
		os.Remove(f)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("state: fsync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("state: fsync dir: %w", err)
	}
	return nil
}
