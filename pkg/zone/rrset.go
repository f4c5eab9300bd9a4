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
	// Fast paths for the common types: the same text rr.String() would print, without
	// building (and then cutting off) the header.
	switch v := rr.(type) {
	case *dns.A:
		if v.A == nil {
			return ""
		}
		return v.A.String()
	case *dns.AAAA:
		if v.AAAA != nil && v.AAAA.To4() == nil {
			return v.AAAA.String()
		}
	case *dns.TXT:
		if s, ok := plainTXT(v.Txt); ok {
			return s
		}
	case *dns.MX:
		if l := strings.ToLower(v.Mx); plainName(l) {
			return strconv.Itoa(int(v.Preference)) + " " + l
		}
	case *dns.CNAME:
		if l := strings.ToLower(v.Target); plainName(l) {
			return l
		}
	case *dns.NS:
		if l := strings.ToLower(v.Ns); plainName(l) {
			return l
		}
	case *dns.PTR:
		if l := strings.ToLower(v.Ptr); plainName(l) {
			return l
		}
	}
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

// plainName reports whether miekg prints name as it is: only printable ASCII that is not
// special in a label (see miekg's sprintName).
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c <= ' ' || c > '~':
			return false
		case c == '\'', c == '@', c == ';', c == '(', c == ')', c == '"', c == '\\':
			return false
		}
	}
	return true
}

// plainTXT prints TXT strings as miekg does when no byte needs escaping.
func plainTXT(txt []string) (string, bool) {
	n := 0
	for _, t := range txt {
		for i := 0; i < len(t); i++ {
			if c := t[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
				return "", false
			}
		}
		n += len(t) + 3
	}
	if len(txt) == 1 {
		return `"` + txt[0] + `"`, true
	}
	var b strings.Builder
	b.Grow(n)
	for i, t := range txt {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(t)
		b.WriteByte('"')
	}
	return b.String(), true
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
	sortValues(sets)
	if slices.IsSortedFunc(sets, compareSets) {
		return
	}
	perm := sortedOrder(sets)
	sorted := make([]RRset, len(sets))
	for i, j := range perm {
		sorted[i] = sets[j]
	}
	copy(sets, sorted)
}

func sortValues(sets []RRset) {
	for i := range sets {
		if len(sets[i].Values) > 1 {
			slices.Sort(sets[i].Values)
			sets[i].Values = slices.Compact(sets[i].Values)
		}
	}
}

// sortedOrder returns the indexes of sets in canonical key order; equal keys keep their
// order (stable). It compares precomputed keys as plain strings, which is several times
// faster than CompareNames on large zones.
func sortedOrder(sets []RRset) []int32 {
	perm := make([]int32, len(sets))
	for i := range perm {
		perm[i] = int32(i)
	}
	if slices.IsSortedFunc(sets, compareSets) { // e.g. a file that Render wrote
		return perm
	}
	keys, ok := sortKeys(sets)
	if !ok {
		slices.SortStableFunc(perm, func(a, b int32) int { return compareSets(sets[a], sets[b]) })
		return perm
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(sets[a].Type, sets[b].Type); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return perm
}

func compareSets(a, b RRset) int { return a.Key().Compare(b.Key()) }

// sortKeys returns, for each RRset, a key whose byte order is CompareNames' order: the
// owner's labels from the root, ASCII lower-cased, each followed by a 0 byte. It fails for
// names holding a 0 byte, which would be ambiguous.
func sortKeys(sets []RRset) ([]string, bool) {
	n := 0
	for i := range sets {
		if strings.IndexByte(sets[i].Name, 0) >= 0 {
			return nil, false
		}
		n += len(sets[i].Name) + 1
	}
	buf := make([]byte, 0, n)
	ends := make([]int, len(sets))
	starts := make([]int, len(sets))
	for i := range sets {
		name := sets[i].Name
		if i > 0 && name == sets[i-1].Name {
			starts[i], ends[i] = starts[i-1], ends[i-1]
			continue
		}
		starts[i] = len(buf)
		for end := trimRootDot(name); end > 0; {
			start := labelStart(name, end)
			for j := start; j < end; j++ {
				c := name[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			}
			buf = append(buf, 0)
			end = start - 1
		}
		ends[i] = len(buf)
	}
	all := string(buf)
	keys := make([]string, len(sets))
	for i := range keys {
		keys[i] = all[starts[i]:ends[i]]
	}
	return keys, true
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// Zone is a parsed zone: its origin and all its RRsets (SOA and apex NS included), sorted
// canonically by key (see Sort).
type Zone struct {
	Origin string // absolute, lower-case
	RRsets []RRset

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
