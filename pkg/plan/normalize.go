package plan

import (
	"cmp"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/zone"
)

func compareKeys(a, b *zone.RRset) int {
	if c := zone.CompareNames(a.Name, b.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.Type, b.Type)
}

// normName returns name as zone.CanonicalName does, allocating only when it changes.
func normName(name string) string {
	ok := strings.HasSuffix(name, ".")
	for i := 0; ok && i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' || c == '\\' || c > '~' {
			ok = false
		}
	}
	if ok {
		return name
	}
	return zone.CanonicalName(name)
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
		return zone.CanonicalTXT(v)
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

// decodeTXT returns the concatenated bytes of the character-strings in v.
func decodeTXT(v string) []byte { return []byte(strings.Join(zone.DecodeTXT(v), "")) }

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

// typeBINDSigning is the private type BIND adds at the apex of a zone it signs, to keep the
// signing state (sig-signing-type, default 65534).
const typeBINDSigning = 65534
