package zonefile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// A sync reads a provider's file, applies, reads back, writes the stamp and reads back again.
// Parsing a large file dominates that (2,000,000 records take seconds each), so the provider
// remembers the last zone it parsed or wrote together with the SHA-256 of the file's bytes.
// A read hashes the file (cheap, sequential) and reuses the zone only when the bytes are
// exactly those; any other content (an edit, another writer, a truncated file) is parsed.
// A zone written by Apply is reused without parsing its own output: Parse(Render(z)) == z is
// an invariant of package zone (checked by FuzzParse). Files with $INCLUDE are never
// reused, since the hash covers only the main file.

// snapshot is a zone and the hash of the file bytes it came from. Its RRsets are never
// modified: Apply builds a new slice.
type snapshot struct {
	sum    [sha256.Size]byte
	origin string
	zone   *zone.Zone
}

// hashReader hashes what is read through it and notes whether "$INCLUDE" appears (case
// insensitive, anywhere: a false positive only costs a cache miss). Len reports the bytes
// left, so that Parse can size its buffers.
type hashReader struct {
	r       io.Reader
	h       hash.Hash
	left    int64
	tail    []byte // the last len(include)-1 bytes read, for a word split across reads
	include bool
}

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	if n > 0 {
		hr.h.Write(p[:n])
		hr.left -= int64(n)
		if !hr.include {
			k := len(include) - 1
			hr.include = hasInclude(append(hr.tail, p[:min(n, k)]...)) || hasInclude(p[:n])
			hr.tail = append(hr.tail, p[max(0, n-k):n]...)
			hr.tail = hr.tail[max(0, len(hr.tail)-k):]
		}
	}
	return n, err
}

func (hr *hashReader) Len() int { return int(max(hr.left, 0)) }

var include = []byte("$include")

func hasInclude(b []byte) bool {
	for i := bytes.IndexByte(b, '$'); i >= 0; {
		if len(b)-i >= len(include) && bytes.EqualFold(b[i:i+len(include)], include) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '$')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// read returns the zone in the file, from the snapshot when the file holds the same bytes.
// The result must not be modified. Called with p.mu held.
func (p *Provider) read(origin string) (*zone.Zone, error) {
	f, err := os.Open(p.cfg.Path)
	if errors.Is(err, fs.ErrNotExist) {
		p.last = nil
		return &zone.Zone{Origin: origin}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	if s := p.last; s != nil && s.origin == origin {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
		}
		if [sha256.Size]byte(h.Sum(nil)) == s.sum {
			return s.zone, nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
		}
	}
	p.last = nil
	hr := &hashReader{r: f, h: sha256.New(), left: st.Size()}
	z, err := zone.Parse(hr, origin, p.cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("zonefile %s: %w", p.cfg.Path, err)
	}
	// Parse reads to the end of the file when it succeeds; hash anything left all the same.
	// Keep the RRsets only: the line index (32 bytes per RRset) serves error messages of
	// the parse, which are past.
	z = &zone.Zone{Origin: z.Origin, RRsets: z.RRsets}
	if _, err := io.Copy(hr.h, f); err == nil && !hr.include {
		p.last = &snapshot{sum: [sha256.Size]byte(hr.h.Sum(nil)), origin: origin, zone: z}
	}
	return z, nil
}

// merge applies changes to cur (in canonical order, one RRset per key, as Parse returns it)
// and returns the new RRsets in the same order; cur is not modified. A Create of an existing
// RRset, or an Update or Delete whose Old no longer matches, is refused, so a concurrent edit
// is never overwritten silently. Changes to one key apply in the order given.
func (p *Provider) merge(cur []zone.RRset, changes []plan.Change) ([]zone.RRset, error) {
	cs := slices.Clone(changes)
	slices.SortStableFunc(cs, func(a, b plan.Change) int { return a.Key().Compare(b.Key()) })
	out := make([]zone.RRset, 0, len(cur)+len(cs))
	i := 0
	for j := 0; j < len(cs); {
		k := cs[j].Key()
		pos, found := slices.BinarySearchFunc(cur[i:], k, func(s zone.RRset, k zone.Key) int { return s.Key().Compare(k) })
		out = append(out, cur[i:i+pos]...)
		i += pos
		var st zone.RRset
		exists := found
		if found {
			st = cur[i]
			i++
		}
		for ; j < len(cs) && cs[j].Key().Compare(k) == 0; j++ {
			c := cs[j]
			switch {
			case c.Old == nil && exists:
				return nil, fmt.Errorf("zonefile %s: create %s: RRset already exists", p.cfg.Path, k)
			case c.Old != nil && (!exists || !st.Equal(*c.Old)):
				return nil, fmt.Errorf("zonefile %s: %s %s: RRset changed since the plan was made", p.cfg.Path, c.Action, k)
			}
			exists = c.New != nil
			if exists {
				st = *c.New
			}
		}
		if exists {
			out = append(out, st)
		}
	}
	return append(out, cur[i:]...), nil
}

// readsBack reports whether parsing the file that renders z would give z exactly: the RRsets
// that changes touched (and the SOA, which Apply bumps) survive Render and Parse unchanged,
// and z passes zone.Validate. Only then is z kept as the snapshot of what was written; the
// rest of z came from a successful parse. The check costs time in proportion to the changes.
func readsBack(z *zone.Zone, changes []plan.Change) bool {
	keys := make([]zone.Key, 0, len(changes)+1)
	for _, c := range changes {
		keys = append(keys, c.Key())
	}
	keys = append(keys, zone.Key{Name: z.Origin, Type: dns.TypeSOA})
	slices.SortFunc(keys, zone.Key.Compare)
	keys = slices.Compact(keys)
	cmp := func(s zone.RRset, k zone.Key) int { return s.Key().Compare(k) }
	var touched []zone.RRset
	for _, k := range keys {
		if i, ok := slices.BinarySearchFunc(z.RRsets, k, cmp); ok {
			touched = append(touched, z.RRsets[i])
		}
	}
	if len(touched) > 0 {
		var buf bytes.Buffer
		if err := zone.Render(&buf, &zone.Zone{Origin: z.Origin, RRsets: touched}); err != nil {
			return false
		}
		back, err := zone.Parse(&buf, z.Origin, "")
		if err != nil || len(back.RRsets) != len(touched) {
			return false
		}
		for i := range touched {
			if !back.RRsets[i].Equal(touched[i]) {
				return false
			}
		}
	}
	return zone.Validate(z) == nil
}
