// Package zone turns RFC 1035 master files into twinzone's canonical model: RRsets keyed by
// (owner, type) with normalised, sorted values, and renders that model back to a zone file.
package zone

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Key identifies one RRset: an absolute, lower-case owner name and a record type.
type Key struct {
	Name string
	Type uint16
}

func (k Key) String() string { return k.Name + " " + dns.TypeToString[k.Type] }

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
	return Key{Name: strings.ToLower(dns.Fqdn(h.Name)), Type: h.Rrtype}, h.Ttl, CanonicalValue(rr)
}

// CanonicalValue is the RDATA of rr in presentation format with the domain names it contains
// lower-cased, so that values compare equal whatever case a provider or file used.
//
// It never modifies rr. Types whose RDATA holds no domain name are stringified as they are;
// the others are lower-cased on a shallow copy, and only when a name has upper-case letters.
func CanonicalValue(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.NS:
		if l := strings.ToLower(v.Ns); l != v.Ns {
			c := *v
			c.Ns = l
			rr = &c
		}
	case *dns.CNAME:
		if l := strings.ToLower(v.Target); l != v.Target {
			c := *v
			c.Target = l
			rr = &c
		}
	case *dns.DNAME:
		if l := strings.ToLower(v.Target); l != v.Target {
			c := *v
			c.Target = l
			rr = &c
		}
	case *dns.PTR:
		if l := strings.ToLower(v.Ptr); l != v.Ptr {
			c := *v
			c.Ptr = l
			rr = &c
		}
	case *dns.MX:
		if l := strings.ToLower(v.Mx); l != v.Mx {
			c := *v
			c.Mx = l
			rr = &c
		}
	case *dns.SRV:
		if l := strings.ToLower(v.Target); l != v.Target {
			c := *v
			c.Target = l
			rr = &c
		}
	case *dns.SOA:
		ns, mbox := strings.ToLower(v.Ns), strings.ToLower(v.Mbox)
		if ns != v.Ns || mbox != v.Mbox {
			c := *v
			c.Ns, c.Mbox = ns, mbox
			rr = &c
		}
	case *dns.HTTPS:
		if l := strings.ToLower(v.Target); l != v.Target {
			c := *v
			c.Target = l
			rr = &c
		}
	case *dns.SVCB:
		if l := strings.ToLower(v.Target); l != v.Target {
			c := *v
			c.Target = l
			rr = &c
		}
	case *dns.NAPTR:
		if l := strings.ToLower(v.Replacement); l != v.Replacement {
			c := *v
			c.Replacement = l
			rr = &c
		}
	case *dns.KX:
		if l := strings.ToLower(v.Exchanger); l != v.Exchanger {
			c := *v
			c.Exchanger = l
			rr = &c
		}
	case *dns.RP:
		mbox, txt := strings.ToLower(v.Mbox), strings.ToLower(v.Txt)
		if mbox != v.Mbox || txt != v.Txt {
			c := *v
			c.Mbox, c.Txt = mbox, txt
			rr = &c
		}
	case *dns.AFSDB:
		if l := strings.ToLower(v.Hostname); l != v.Hostname {
			c := *v
			c.Hostname = l
			rr = &c
		}
	}
	return rdataString(rr)
}

// rdataString is rr.String() without the header. The header is "name\tttl\tclass\ttype\t"
// and the name is printed with every control character escaped, so the RDATA starts after
// the fourth tab; this avoids stringifying the header a second time.
func rdataString(rr dns.RR) string {
	s := rr.String()
	if rr.Header().Rrtype == dns.TypeOPT { // OPT prints a pseudo-section, not a header
		return strings.TrimSpace(s[len(rr.Header().String()):])
	}
	i := 0
	for n := 0; n < 4; n++ {
		j := strings.IndexByte(s[i:], '\t')
		if j < 0 {
			return strings.TrimSpace(s[len(rr.Header().String()):])
		}
		i += j + 1
	}
	return strings.TrimSpace(s[i:])
}

// CompareNames orders absolute names canonically (RFC 4034 6.1): label by label from the
// root, case-insensitively (ASCII letters, RFC 4343). Escaped dots do not split labels. It
// does not allocate.
func CompareNames(a, b string) int {
	if a == b {
		return 0
	}
	ea, eb := trimRootDot(a), trimRootDot(b)
	for {
		if ea == 0 || eb == 0 {
			switch {
			case ea == 0 && eb == 0:
				return 0
			case ea == 0:
				return -1
			default:
				return 1
			}
		}
		sa, sb := labelStart(a, ea), labelStart(b, eb)
		if c := compareFold(a[sa:ea], b[sb:eb]); c != 0 {
			return c
		}
		ea, eb = sa-1, sb-1 // skip the separating dot
		if ea < 0 {
			ea = 0
		}
		if eb < 0 {
			eb = 0
		}
	}
}

// trimRootDot returns the end of the last label of s: len(s) without an unescaped trailing dot.
func trimRootDot(s string) int {
	if n := len(s); n > 0 && s[n-1] == '.' && !escaped(s, n-1) {
		return n - 1
	}
	return len(s)
}

// labelStart returns where the label that ends at end (exclusive) starts.
func labelStart(s string, end int) int {
	for i := end - 1; i >= 0; i-- {
		if s[i] == '.' && !escaped(s, i) {
			return i + 1
		}
	}
	return 0
}

// escaped reports whether s[i] is preceded by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for i--; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// compareFold compares two labels byte by byte with ASCII letters folded to lower case.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// Sort sorts RRsets canonically by key and each RRset's values, removing duplicate values.
func Sort(sets []RRset) {
	for i := range sets {
		slices.Sort(sets[i].Values)
		sets[i].Values = slices.Compact(sets[i].Values)
	}
	slices.SortFunc(sets, func(a, b RRset) int { return a.Key().Compare(b.Key()) })
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// Zone is a parsed zone: its origin and all its RRsets (SOA and apex NS included), sorted
// canonically by key (see Sort).
type Zone struct {
	Origin string // absolute, lower-case
	RRsets []RRset

	// Lines holds where each RRset's first record was read (file and line), for error
	// messages. It is filled by Parse and ParseFile; it may be nil, and Equal ignores it.
	Lines map[Key]Pos
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

// Line returns where the RRset k was read, or the zero Pos if unknown.
func (z *Zone) Line(k Key) Pos { return z.Lines[k] }

// Equal reports whether both zones have the same origin and the same RRsets in the same
// order (Lines are ignored).
func (z *Zone) Equal(o *Zone) bool {
	return z.Origin == o.Origin && slices.EqualFunc(z.RRsets, o.RRsets, RRset.Equal)
}
