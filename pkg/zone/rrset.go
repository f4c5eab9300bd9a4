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
func CanonicalValue(rr dns.RR) string {
	rr = dns.Copy(rr)
	switch v := rr.(type) {
	case *dns.NS:
		v.Ns = strings.ToLower(v.Ns)
	case *dns.CNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.DNAME:
		v.Target = strings.ToLower(v.Target)
	case *dns.PTR:
		v.Ptr = strings.ToLower(v.Ptr)
	case *dns.MX:
		v.Mx = strings.ToLower(v.Mx)
	case *dns.SRV:
		v.Target = strings.ToLower(v.Target)
	case *dns.SOA:
		v.Ns, v.Mbox = strings.ToLower(v.Ns), strings.ToLower(v.Mbox)
	case *dns.HTTPS:
		v.Target = strings.ToLower(v.Target)
	case *dns.SVCB:
		v.Target = strings.ToLower(v.Target)
	case *dns.NAPTR:
		v.Replacement = strings.ToLower(v.Replacement)
	case *dns.KX:
		v.Exchanger = strings.ToLower(v.Exchanger)
	case *dns.RP:
		v.Mbox, v.Txt = strings.ToLower(v.Mbox), strings.ToLower(v.Txt)
	case *dns.AFSDB:
		v.Hostname = strings.ToLower(v.Hostname)
	}
	s := rr.String()
	return strings.TrimSpace(s[len(rr.Header().String()):])
}

// CompareNames orders absolute names canonically (RFC 4034 6.1): label by label from the
// root, case-insensitively.
func CompareNames(a, b string) int {
	if a == b {
		return 0
	}
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	i, j := len(la)-1, len(lb)-1
	for i >= 0 && j >= 0 {
		if c := strings.Compare(strings.ToLower(la[i]), strings.ToLower(lb[j])); c != 0 {
			return c
		}
		i--
		j--
	}
	return cmp.Compare(len(la), len(lb))
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
}
