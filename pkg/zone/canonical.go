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
	if needsWire(rr) {
		rr = wireForm(rr)
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
	case *dns.APL:
		if len(v.Prefixes) == 0 {
			return `\# 0` // miekg prints nothing, which it cannot read back
		}
	case *dns.AMTRELAY:
		if v.GatewayType > 3 { // a relay type miekg prints in a form no server reads
			return genericValue(rr)
		}
	case *dns.IPSECKEY, *dns.NULL:
		// miekg/dns prints IPSECKEY in a form its reader runs past, and NULL, which has no
		// presentation format, as raw bytes: both go out in the RFC 3597 form.
		return genericValue(rr)
	case *dns.HTTPS:
		if newSvcParams(v.Value) {
			return genericValue(rr)
		}
		if l := strings.ToLower(v.Target); l != v.Target || !svcbSorted(v.Value) {
			c := *v
			c.Target, c.Value = l, sortedSVCB(v.Value)
			rr = &c
		}
	case *dns.SVCB:
		if newSvcParams(v.Value) {
			return genericValue(rr)
		}
		if l := strings.ToLower(v.Target); l != v.Target || !svcbSorted(v.Value) {
			c := *v
			c.Target, c.Value = l, sortedSVCB(v.Value)
			rr = &c
		}
	case *dns.TLSA:
		// Hex fields upper-case, as BIND and Knot print them (miekg prints DS digests
		// upper-case but these as given, and lower-case after reading the wire).
		if u := strings.ToUpper(v.Certificate); u != v.Certificate {
			c := *v
			c.Certificate = u
			rr = &c
		}
	case *dns.SMIMEA:
		if u := strings.ToUpper(v.Certificate); u != v.Certificate {
			c := *v
			c.Certificate = u
			rr = &c
		}
	case *dns.SSHFP:
		if u := strings.ToUpper(v.FingerPrint); u != v.FingerPrint {
			c := *v
			c.FingerPrint = u
			rr = &c
		}
	case *dns.ZONEMD:
		if u := strings.ToUpper(v.Digest); u != v.Digest {
			c := *v
			c.Digest = u
			rr = &c
		}
	case *dns.NSEC3PARAM:
		if u := strings.ToUpper(v.Salt); u != v.Salt {
			c := *v
			c.Salt = u
			rr = &c
		}
	case *dns.NSEC3:
		if s, n := strings.ToUpper(v.Salt), strings.ToUpper(v.NextDomain); s != v.Salt || n != v.NextDomain {
			c := *v
			c.Salt, c.NextDomain = s, n
			rr = &c
		}
	case *dns.HIP:
		if u := strings.ToUpper(v.Hit); u != v.Hit {
			c := *v
			c.Hit = u
			rr = &c
		}
	case *dns.RFC3597:
		if u := strings.ToUpper(v.Rdata); u != v.Rdata {
			c := *v
			c.Rdata = u
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

// svcbSorted reports whether SvcParams, and the keys of mandatory=, are in key order, the
// order RFC 9460 requires on the wire and BIND and Knot print; presentation may list them in
// any order, and libdns returns them from a map.
func svcbSorted(kv []dns.SVCBKeyValue) bool {
	for _, p := range kv {
		if m, ok := p.(*dns.SVCBMandatory); ok && !slices.IsSorted(m.Code) {
			return false
		}
	}
	return slices.IsSortedFunc(kv, func(a, b dns.SVCBKeyValue) int { return cmp.Compare(a.Key(), b.Key()) })
}

func sortedSVCB(kv []dns.SVCBKeyValue) []dns.SVCBKeyValue {
	if svcbSorted(kv) {
		return kv
	}
	out := slices.Clone(kv)
	slices.SortStableFunc(out, func(a, b dns.SVCBKeyValue) int { return cmp.Compare(a.Key(), b.Key()) })
	for i, p := range out {
		if m, ok := p.(*dns.SVCBMandatory); ok && !slices.IsSorted(m.Code) {
			out[i] = &dns.SVCBMandatory{Code: slices.Sorted(slices.Values(m.Code))}
		}
	}
	return out
}

// CanonicalName is an owner or target name as twinzone compares it: absolute, ASCII
// lower-case, and escaped the way miekg/dns prints a name read from the wire, which is how
// BIND and Knot print it: "\\065bc" is "abc", "space\\032label" is "space\\ label", bytes
// outside printable ASCII are \\DDD. A name that does not pack (too long) is only lower-cased.
func CanonicalName(name string) string {
	name = dns.Fqdn(name)
	if !plainName(name) {
		buf := make([]byte, 256)
		if off, err := dns.PackDomainName(name, buf, 0, nil, false); err == nil {
			if n, _, err := dns.UnpackDomainName(buf[:off], 0); err == nil {
				name = n
			}
		}
	}
	return lowerASCII(name)
}

// lowerASCII lower-cases ASCII letters only (strings.ToLower would change UTF-8 bytes too),
// allocating only when something changes.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// needsWire reports whether rr's presentation may hold escapes or bytes that miekg/dns prints
// differently once the record went through the wire (as every record a server returns has).
func needsWire(rr dns.RR) bool {
	switch rr.(type) {
	case *dns.TXT, *dns.SPF, *dns.RFC3597:
		return false // TXT has its own encoding (txt.go); RFC 3597 data is hex
	}
	s := rr.String()
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c > '~' {
			return true
		}
	}
	return false
}

// wireForm returns rr packed and unpacked again, or rr when that fails.
func wireForm(rr dns.RR) dns.RR {
	buf := make([]byte, dns.Len(rr)+16)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return rr
	}
	out, _, err := dns.UnpackRR(buf[:off], 0)
	if err != nil || out == nil {
		return rr
	}
	return out
}

// knownSvcParams is the highest SvcParamKey BIND 9.18 and Knot 3.2 both read by name:
// mandatory, alpn, no-default-alpn, port, ipv4hint, ech and ipv6hint (RFC 9460). miekg/dns
// prints later keys (dohpath, ohttp, ...) by names those servers refuse.
const knownSvcParams = dns.SVCB_IPV6HINT

// newSvcParams reports whether an SVCB or HTTPS record carries a key after knownSvcParams,
// by itself or in mandatory=.
func newSvcParams(kv []dns.SVCBKeyValue) bool {
	for _, p := range kv {
		if p.Key() > knownSvcParams {
			return true
		}
		if m, ok := p.(*dns.SVCBMandatory); ok {
			for _, k := range m.Code {
				if k > knownSvcParams {
					return true
				}
			}
		}
	}
	return false
}

// genericValue is rr's RDATA in the RFC 3597 form ("\\# length HEX"), which every server
// reads, with its names lower-cased first (it does not go through the switch above).
func genericValue(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.SVCB:
		c := *v
		c.Target, c.Value = strings.ToLower(v.Target), sortedSVCB(v.Value)
		rr = &c
	case *dns.HTTPS:
		c := *v
		c.Target, c.Value = strings.ToLower(v.Target), sortedSVCB(v.Value)
		rr = &c
	}
	var g dns.RFC3597
	if err := g.ToRFC3597(rr); err != nil {
		return rdataString(rr)
	}
	g.Rdata = strings.ToUpper(g.Rdata)
	return rdataString(&g)
}
