// Package zone turns RFC 1035 master files into twinzone's canonical model: RRsets keyed by
// (owner, type) with normalised, sorted values, and renders that model back to a zone file.
package zone

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/miekg/dns"
)

// Key identifies one RRset: an absolute, lower-case owner name and a record type.
type Key struct {
	Name string
	Type uint16
}

func (k Key) String() string { return k.Name + " " + TypeString(k.Type) }

// Compare orders keys canonically: by owner (DNSSEC canonical name order), then by type.
func (k Key) Compare(o Key) int {
	if c := CompareNames(k.Name, o.Name); c != 0 {
		return c
	}
	return cmp.Compare(k.Type, o.Type)
}

// RRset is every record of one (owner, type) in canonical form. It is plain data, safe to
// copy; Values must not be modified once the RRset is shared.
type RRset struct {
	Name   string   // absolute, lower-case, trailing dot
	Type   uint16   // dns.TypeA, ...
	TTL    uint32   // one TTL per RRset (RFC 2181 5.2)
	Values []string // RDATA in presentation format, canonical (see CanonicalValue), sorted, unique
}

// Key returns the RRset's key.
func (r RRset) Key() Key { return Key{r.Name, r.Type} }

// TypeString is the record type's mnemonic ("A", "TXT", "TYPE65534").
func (r RRset) TypeString() string { return TypeString(r.Type) }

// Equal reports whether both RRsets have the same key, TTL and values.
func (r RRset) Equal(o RRset) bool {
	return r.Name == o.Name && r.Type == o.Type && r.TTL == o.TTL && slices.Equal(r.Values, o.Values)
}

// RRs converts the RRset back into miekg/dns records.
func (r RRset) RRs() ([]dns.RR, error) {
	out := make([]dns.RR, 0, len(r.Values))
	for _, v := range r.Values {
		rr, err := NewRR(r.Name, r.TTL, r.Type, v)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// TypeString is a type's mnemonic, or TYPEnnn for unknown types (RFC 3597).
func TypeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + itoa(uint32(t))
}

// NewRR builds one record from canonical parts.
func NewRR(name string, ttl uint32, t uint16, value string) (dns.RR, error) {
	return dns.NewRR(name + " " + itoa(ttl) + " IN " + TypeString(t) + " " + value)
}

// FromRR returns the key, TTL and canonical value of a parsed record.
func FromRR(rr dns.RR) (Key, uint32, string) {
	h := rr.Header()
	return Key{Name: CanonicalName(h.Name), Type: h.Rrtype}, h.Ttl, CanonicalValue(rr)
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// Zone is a parsed zone: its origin and all its RRsets (SOA and apex NS included), sorted
// canonically by key (see Sort).
type Zone struct {
	Origin string // absolute, lower-case
	RRsets []RRset
	// Warnings are what Parse accepted but a user should know (a TTL taken from the SOA
	// minimum, occluded data), in file order.
	Warnings []*Error

	lines *lineIndex // where each RRset was read; set by Parse, ignored by Equal
}

// Pos is a place in a zone file.
type Pos struct {
	File string
	Line int // 1-based; 0 if unknown
}

// String is "file:line", "file" or "line N".
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.File == "":
		return "line " + strconv.Itoa(p.Line)
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Line returns where the first record of RRset k was read (Parse and ParseFile record it),
// or the zero Pos if unknown.
func (z *Zone) Line(k Key) Pos { return z.lines.at(k) }

// Equal reports whether both zones have the same origin and the same RRsets in the same
// order (where they were read is ignored).
func (z *Zone) Equal(o *Zone) bool {
	return z.Origin == o.Origin && slices.EqualFunc(z.RRsets, o.RRsets, RRset.Equal)
}
