package plan

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/zone"
)

// compareNames orders owner names canonically (RFC 4034 6.1: label by label from the root),
// ignoring ASCII case and a trailing dot, without allocating. It agrees with
// zone.CompareNames on canonical names, so zone.Sort output is already in this order.
func compareNames(a, b string) int {
	if a == b {
		return 0
	}
	a, b = strings.TrimSuffix(a, "."), strings.TrimSuffix(b, ".")
	for {
		if a == "" || b == "" {
			return cmp.Compare(len(a), len(b))
		}
		la, ra := lastLabel(a)
		lb, rb := lastLabel(b)
		if c := compareFold(la, lb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
}

// lastLabel splits s (no trailing dot) into its last label and the rest before it.
func lastLabel(s string) (label, rest string) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != '.' {
			continue
		}
		bs := 0
		for k := i - 1; k >= 0 && s[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return s[i+1:], s[:i]
		}
	}
	return s, ""
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := lower(a[i]), lower(b[i])
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareKeys(a, b *zone.RRset) int {
	if c := compareNames(a.Name, b.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.Type, b.Type)
}

// sortedView returns sets sorted by key, copying the slice only when it is not sorted already.
func sortedView(sets []zone.RRset) []zone.RRset {
	if slices.IsSortedFunc(sets, func(a, b zone.RRset) int { return compareKeys(&a, &b) }) {
		return sets
	}
	// Sort by precomputed keys (labels from the root, lower-cased, NUL-separated): comparing
	// them byte-wise is the order of compareNames, and much cheaper than it.
	type entry struct {
		key string
		typ uint16
		i   int
	}
	size := 0
	for i := range sets {
		size += len(sets[i].Name) + 1
	}
	buf := make([]byte, 0, size)
	ends := make([]int, len(sets))
	for i := range sets {
		buf = appendSortKey(buf, sets[i].Name)
		ends[i] = len(buf)
	}
	all := string(buf)
	entries := make([]entry, len(sets))
	start := 0
	for i := range sets {
		entries[i] = entry{all[start:ends[i]], sets[i].Type, i}
		start = ends[i]
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.typ, b.typ); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]zone.RRset, len(sets))
	for k, e := range entries {
		out[k] = sets[e.i]
	}
	return out
}

// appendSortKey appends name's labels from the root, lower-cased, each followed by a NUL.
func appendSortKey(buf []byte, name string) []byte {
	rest := strings.TrimSuffix(name, ".")
	for rest != "" {
		var l string
		l, rest = lastLabel(rest)
		for i := 0; i < len(l); i++ {
			buf = append(buf, lower(l[i]))
		}
		buf = append(buf, 0)
	}
	return buf
}

// normName returns name lower-cased and absolute, allocating only when it changes.
func normName(name string) string {
	ok := strings.HasSuffix(name, ".")
	for i := 0; ok && i < len(name); i++ {
		if 'A' <= name[i] && name[i] <= 'Z' {
			ok = false
		}
	}
	if ok {
		return name
	}
	return dns.Fqdn(strings.ToLower(name))
}

// canonicalSet returns s with its name and values in canonical form (names lower-case and
// absolute, TXT canonically chunked, values sorted and unique), sharing memory with s when
// nothing changes. TTL is left as is.
func canonicalSet(s zone.RRset) zone.RRset {
	s.Name = normName(s.Name)
	var vals []string
	for i, v := range s.Values {
		nv := canonicalValue(s.Type, v)
		if nv != v && vals == nil {
			vals = make([]string, len(s.Values))
			copy(vals, s.Values[:i])
		}
		if vals != nil {
			vals[i] = nv
		}
	}
	if vals == nil && !isStrictlySorted(s.Values) {
		vals = slices.Clone(s.Values)
	}
	if vals != nil {
		slices.Sort(vals)
		s.Values = slices.Compact(vals)
	}
	return s
}

func isStrictlySorted(v []string) bool {
	for i := 1; i < len(v); i++ {
		if v[i-1] >= v[i] {
			return false
		}
	}
	return true
}

// canonicalValue normalises the parts of a value that providers spell differently: TXT
// chunking and escapes, and the case and trailing dot of target names.
func canonicalValue(t uint16, v string) string {
	switch t {
	case dns.TypeTXT, dns.TypeSPF:
		return CanonicalTXT(v)
	case dns.TypeCNAME, dns.TypeNS, dns.TypePTR, dns.TypeDNAME:
		return normName(strings.TrimSpace(v))
	case dns.TypeMX, dns.TypeSRV:
		i := strings.LastIndexByte(v, ' ')
		if i < 0 {
			return v
		}
		if n := normName(v[i+1:]); n != v[i+1:] {
			return v[:i+1] + n
		}
	}
	return v
}

// CanonicalTXT returns a TXT value (one or more character-strings in presentation format) in
// twinzone's canonical form: every character-string kept as its own string, quoted and escaped
// the way miekg/dns prints it; only a string longer than 255 bytes (which a provider may hand
// back from a single "content" field) is split into 255-byte strings. String boundaries are
// kept because they carry meaning: DNS-SD, for one, stores one key=value pair per string.
// Two values that differ only in quoting or escapes have the same canonical form.
func CanonicalTXT(v string) string {
	if isCanonicalTXT(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	first := true
	for _, str := range decodeTXTStrings(v) {
		for i := 0; ; i += 255 {
			if !first {
				b.WriteByte(' ')
			}
			first = false
			b.WriteByte('"')
			end := min(i+255, len(str))
			for _, c := range str[i:end] {
				switch {
				case c == '"' || c == '\\':
					b.WriteByte('\\')
					b.WriteByte(c)
				case c < ' ' || c > '~':
					b.WriteByte('\\')
					b.WriteByte('0' + c/100)
					b.WriteByte('0' + c/10%10)
					b.WriteByte('0' + c%10)
				default:
					b.WriteByte(c)
				}
			}
			b.WriteByte('"')
			if end >= len(str) {
				break
			}
		}
	}
	if first {
		return `""`
	}
	return b.String()
}

// isCanonicalTXT is the allocation-free fast path: quoted strings of plain printable bytes,
// at most 255 each, separated by one space.
func isCanonicalTXT(v string) bool {
	n := 0 // bytes in the current string
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case !in && c == '"':
			if i > 0 && v[i-1] != ' ' {
				return false
			}
			in, n = true, 0
		case !in && c == ' ':
			if i == 0 || v[i-1] != '"' {
				return false
			}
		case !in:
			return false
		case c == '"':
			in = false
		case c == '\\' || c < ' ' || c > '~':
			return false
		default:
			n++
			if n > 255 {
				return false
			}
		}
	}
	return !in && len(v) >= 2 && v[len(v)-1] == '"'
}

// decodeTXTStrings returns the character-strings of v, decoded: quoted strings, and unquoted
// runs separated by white space; \DDD and \X escapes are decoded.
func decodeTXTStrings(v string) [][]byte {
	var out [][]byte
	var cur []byte
	in, open := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			if in {
				out = append(out, cur)
				cur, open = nil, false
			} else if open {
				out = append(out, cur)
				cur, open = nil, false
			}
			in = !in
			if in {
				cur = []byte{}
			}
		case !in && (c == ' ' || c == '\t'):
			if open {
				out = append(out, cur)
				cur, open = nil, false
			}
		case c == '\\' && i+1 < len(v):
			if !in {
				open = true
			}
			if i+3 < len(v) && isDigit(v[i+1]) && isDigit(v[i+2]) && isDigit(v[i+3]) {
				n := int(v[i+1]-'0')*100 + int(v[i+2]-'0')*10 + int(v[i+3]-'0')
				if n <= 255 {
					cur = append(cur, byte(n))
					i += 3
					continue
				}
			}
			cur = append(cur, v[i+1])
			i++
		default:
			if !in {
				open = true
			}
			cur = append(cur, c)
		}
	}
	if in || open {
		out = append(out, cur)
	}
	return out
}

// decodeTXT returns the concatenated bytes of the character-strings in v.
func decodeTXT(v string) []byte { return bytes.Join(decodeTXTStrings(v), nil) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// normTTL is the TTL a provider with traits t stores for a desired TTL.
func normTTL(ttl uint32, t Traits) uint32 {
	if t.AutoTTL != 0 && ttl == t.AutoTTL {
		return ttl
	}
	if t.MinTTL != 0 && ttl < t.MinTTL {
		ttl = t.MinTTL
	}
	if t.MaxTTL != 0 && ttl > t.MaxTTL {
		ttl = t.MaxTTL
	}
	return ttl
}
