// Package stamp is the sync stamp: the TXT record `_twinzone.<zone>` that `sync` writes to each
// provider and that probes read back, proving which version of the zone file a provider serves.
//
// Format (one TXT string): "v=tz2 g=<generation> h=<hash>", where the hash is plan.StampHash
// of the desired records (64 lower-case hex digits) and the generation is the zone file's SOA
// serial. Generations are ordered with RFC 1982 serial arithmetic, the BIND habit of bumping the
// serial with every edit: so CI, a human's `sync` and the controller, reading the same file,
// agree on which version is newer without talking to each other. The stamp of twinzone 0.x,
// "v=tz1 h=<hash>", still parses: it has no generation, and its hash still proves same content.
package stamp

import (
	"strconv"
	"strings"
)

// Stamp is a parsed sync stamp. The zero Stamp is "no stamp".
type Stamp struct {
	Hash string // 64 lower-case hex digits
	// Generation is the SOA serial of the zone file; meaningful only when HasGeneration (a tz1
	// stamp has none).
	Generation    uint32
	HasGeneration bool
}

// New returns the stamp of a zone file with content hash h and SOA serial serial.
func New(h string, serial uint32) Stamp {
	return Stamp{Hash: strings.ToLower(h), Generation: serial, HasGeneration: true}
}

// IsZero reports whether s is "no stamp".
func (s Stamp) IsZero() bool { return s.Hash == "" }

// String is the TXT text of s ("" for the zero Stamp).
func (s Stamp) String() string {
	switch {
	case s.Hash == "":
		return ""
	case !s.HasGeneration:
		return "v=tz1 h=" + s.Hash
	}
	return "v=tz2 g=" + strconv.FormatUint(uint64(s.Generation), 10) + " h=" + s.Hash
}

// Short is s for humans: "g=2026120201/1a2b3c4d5e6f" ("none" for the zero Stamp).
func (s Stamp) Short() string {
	if s.Hash == "" {
		return "none"
	}
	h := s.Hash
	if len(h) > 12 {
		h = h[:12]
	}
	if !s.HasGeneration {
		return "tz1/" + h
	}
	return "g=" + strconv.FormatUint(uint64(s.Generation), 10) + "/" + h
}

// Parse reads the text of a stamp TXT record (its character-strings concatenated). It accepts
// "v=tz1 h=<hash>" and "v=tz2 g=<serial> h=<hash>", fields in any order, the hash in either
// case; anything else (unknown version, missing or malformed field, duplicate field) is not
// a stamp.
func Parse(text string) (Stamp, bool) {
	var v, g, h string
	seen := map[byte]bool{}
	for _, f := range strings.Fields(text) {
		if len(f) < 2 || f[1] != '=' || seen[f[0]] {
			return Stamp{}, false
		}
		seen[f[0]] = true
		switch f[0] {
		case 'v':
			v = f[2:]
		case 'g':
			g = f[2:]
		case 'h':
			h = f[2:]
		default:
			return Stamp{}, false
		}
	}
	if !isHash(h) {
		return Stamp{}, false
	}
	s := Stamp{Hash: strings.ToLower(h)}
	switch v {
	case "tz1":
		if seen['g'] {
			return Stamp{}, false
		}
	case "tz2":
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil || g == "" || g[0] == '+' {
			return Stamp{}, false
		}
		s.Generation, s.HasGeneration = uint32(n), true
	default:
		return Stamp{}, false
	}
	return s, true
}

func isHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Order is how two stamps compare.
type Order int

const (
	Same      Order = iota // same content (equal hash), whatever the generations say
	Older                  // a's generation is older than b's
	Newer                  // a's generation is newer than b's
	Conflict               // same generation, different content: someone forgot to bump the serial
	Unordered              // different content and no way to order them (two tz1 stamps, a zero stamp, or serials 2^31 apart)
)

func (o Order) String() string {
	return [...]string{"same", "older", "newer", "conflict", "unordered"}[o]
}

// Compare orders a against b. Equal hashes are Same (upgrade rule: a tz1 stamp and a tz2 stamp
// of the same content are in sync). Otherwise generations decide, by RFC 1982; a tz1 stamp of
// other content is Older than any tz2 stamp (it was written before the upgrade).
func Compare(a, b Stamp) Order {
	switch {
	case a.Hash != "" && a.Hash == b.Hash:
		return Same
	case a.Hash == "" || b.Hash == "" || (!a.HasGeneration && !b.HasGeneration):
		return Unordered
	case !a.HasGeneration:
		return Older
	case !b.HasGeneration:
		return Newer
	case a.Generation == b.Generation:
		return Conflict
	}
	switch SerialCompare(a.Generation, b.Generation) {
	case -1:
		return Older
	case 1:
		return Newer
	}
	return Unordered
}

// SerialCompare compares SOA serials with RFC 1982 arithmetic (SERIAL_BITS 32): -1 if a < b,
// 1 if a > b, 0 if equal, and 2 when the comparison is undefined (the serials 2^31 apart).
func SerialCompare(a, b uint32) int {
	const half = 1 << 31
	switch {
	case a == b:
		return 0
	case (a < b && b-a < half) || (a > b && a-b > half):
		return -1
	case (a < b && b-a > half) || (a > b && a-b < half):
		return 1
	}
	return 2
}

// Newest returns the newest of stamps by Compare (zero stamps skipped): a stamp is newest when
// no other one is Newer than it. ok is false when there is none, or when two of them are not
// ordered (Conflict or Unordered with different hashes among the candidates): the caller then
// has no newest version to judge by.
func Newest(stamps ...Stamp) (Stamp, bool) {
	var best Stamp
	for _, s := range stamps {
		if s.IsZero() {
			continue
		}
		if best.IsZero() {
			best = s
			continue
		}
		switch Compare(s, best) {
		case Newer:
			best = s
		case Same:
			if s.HasGeneration && !best.HasGeneration {
				best = s
			}
		case Older:
		default:
			return best, false
		}
	}
	return best, !best.IsZero()
}
