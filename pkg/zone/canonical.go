package zone

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

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
		return txtValue(v.Txt)
	case *dns.SPF:
		return txtValue(v.Txt)
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
		if l := strings.ToLower(v.Target); l != v.Target || !svcbSorted(v.Value) {
			c := *v
			c.Target, c.Value = l, sortedSVCB(v.Value)
			rr = &c
		}
	case *dns.SVCB:
		if l := strings.ToLower(v.Target); l != v.Target || !svcbSorted(v.Value) {
			c := *v
			c.Target, c.Value = l, sortedSVCB(v.Value)
			rr = &c
		}
	case *dns.TLSA:
		// miekg prints DS digests upper-case but TLSA data as given; providers differ.
		if u := strings.ToUpper(v.Certificate); u != v.Certificate {
			c := *v
			c.Certificate = u
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

// svcbSorted reports whether SvcParams are in key order, the order RFC 9460 requires on the
// wire; presentation may list them in any order, and libdns returns them from a map.
func svcbSorted(kv []dns.SVCBKeyValue) bool {
	return slices.IsSortedFunc(kv, func(a, b dns.SVCBKeyValue) int { return cmp.Compare(a.Key(), b.Key()) })
}

func sortedSVCB(kv []dns.SVCBKeyValue) []dns.SVCBKeyValue {
	if svcbSorted(kv) {
		return kv
	}
	out := slices.Clone(kv)
	slices.SortStableFunc(out, func(a, b dns.SVCBKeyValue) int { return cmp.Compare(a.Key(), b.Key()) })
	return out
}
