package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Event kinds written to the journal.
const (
	KindVerdict   = "verdict"
	KindFailover  = "failover"
	KindFailback  = "failback"
	KindSync      = "sync"
	KindPreflight = "preflight"
	KindRegistrar = "registrar"
)

// Event is one journal line. Evidence holds whatever justified the decision (probe results,
// plans, registrar replies); it must marshal to JSON and never contain secrets. Read back,
// Evidence is the generic JSON decoding (map[string]any, []any, ...).
type Event struct {
	Time     time.Time `json:"time"`
	Zone     string    `json:"zone,omitempty"`
	Kind     string    `json:"kind"`
	Provider string    `json:"provider,omitempty"`
	Message  string    `json:"message"`
	Evidence any       `json:"evidence,omitempty"`
}

// maxLine bounds one journal line on read; longer lines are skipped.
const maxLine = 4 << 20

// Append writes ev as one JSON line to journal.jsonl (O_APPEND, then fsync). A zero Time is set
// to now. If the journal ends in a torn line (a crash mid-write), a newline is written first so
// that the torn line stays isolated and the new event is readable.
func (s *Store) Append(ctx context.Context, ev Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.Time = ev.Time.UTC()
	ev.Zone = strings.ToLower(ev.Zone)
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("journal: encode %s event: %w", ev.Kind, err)
	}
	b = append(b, '\n')
	s.jmu.Lock()
	defer s.jmu.Unlock()
	f, err := os.OpenFile(filepath.Join(s.dir, JournalFile), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("journal: open: %w", err)
	}
	defer f.Close()
	if torn, err := endsTorn(f); err != nil {
		return fmt.Errorf("journal: %w", err)
	} else if torn {
		b = append([]byte{'\n'}, b...)
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("journal: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: fsync: %w", err)
	}
	return nil
}

// endsTorn reports whether the non-empty file f does not end with a newline.
func endsTorn(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if st.Size() == 0 {
		return false, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], st.Size()-1); err != nil {
		return false, err
	}
	return last[0] != '\n', nil
}

// Events returns the latest limit events of zone (all zones when zone is ""), oldest first;
// limit <= 0 means all. Lines that do not parse (a torn last line after a crash) are skipped
// with a warning through the logger.
func (s *Store) Events(zone string, limit int) ([]Event, error) {
	f, err := os.Open(filepath.Join(s.dir, JournalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	defer f.Close()
	zone = strings.ToLower(zone)
	var out []Event
	r := bufio.NewReader(f)
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(r)
		if len(bytes.TrimSpace(line)) > 0 {
			var ev Event
			if jerr := json.Unmarshal(line, &ev); jerr != nil || ev.Kind == "" {
				s.logger.Warn("journal: skipping unreadable line", "file", f.Name(), "line", lineNo)
			} else if zone == "" || ev.Zone == zone {
				out = append(out, ev)
				if limit > 0 && len(out) > 2*limit {
					out = append(out[:0], out[len(out)-limit:]...)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("journal: read: %w", err)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// readLine returns the next line without its newline; a line over maxLine comes back as an
// unparseable stub, so that the caller skips it with a warning.
func readLine(r *bufio.Reader) ([]byte, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong && len(buf)+len(chunk) <= maxLine {
			buf = append(buf, chunk...)
		} else {
			tooLong, buf = true, nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			return []byte("{"), err
		}
		return bytes.TrimSuffix(buf, []byte{'\n'}), err
	}
}
