package zone

import (
	"encoding/hex"
	"strings"

	"github.com/miekg/dns"
)

// noTTL is the parser's default TTL: a record that has it had no TTL, no $TTL and no earlier
// record to inherit one from. It is over MaxTTL, so no valid explicit TTL is taken for it.
const noTTL = 1<<32 - 7

// ttl gives a record without any TTL the SOA minimum, as BIND does ("no TTL specified; using
// SOA MINTTL instead", RFC 2308 4), with a warning; Knot uses its default-ttl (3600) instead,
// so the warning asks for a $TTL. Before any SOA it is an error. It reports
// whether the record may be kept.
func (p *parser) ttl(rr dns.RR, fp filePos) bool {
	h := rr.Header()
	if soa, ok := rr.(*dns.SOA); ok && !p.haveSOA {
		p.haveSOA, p.soaMin = true, soa.Minttl
	}
	if h.Ttl != noTTL {
		return true
	}
	if !p.haveSOA {
		p.errs.add(p.where(fp), "%s record without TTL, and no $TTL, earlier TTL or SOA before it to take one from", TypeString(h.Rrtype))
		return false
	}
	h.Ttl = min(p.soaMin, MaxTTL)
	if !p.warnedTTL {
		p.warnedTTL = true
		p.warns.add(p.where(fp), "no TTL and no $TTL: using the SOA minimum %d, as BIND does (Knot uses its default-ttl, 3600); write $TTL to choose", h.Ttl)
	}
	return true
}

// maxRDATA is the most RDATA one record holds: RDLENGTH is 16 bits (RFC 1035 3.2.1).
const maxRDATA = 65535

// refused returns why BIND and Knot refuse a record that miekg/dns reads, or "". raw is the
// record's text as written (nil for records made by $GENERATE).
func refused(rr dns.RR, raw []byte) string {
	switch v := rr.(type) {
	case *dns.A, *dns.AAAA, *dns.NS, *dns.CNAME, *dns.PTR, *dns.MX, *dns.SRV:
		return "" // short and fixed: nothing below applies
	case *dns.TXT, *dns.SPF:
		if n := longTXTString(raw); n > 0 {
			return "TXT character-string of " + itoa(uint32(n)) + " bytes: at most 255 per string (RFC 1035 3.3; " +
				"BIND refuses it): split it into several quoted strings"
		}
	case *dns.SVCB:
		if msg := svcbAlias(v.Priority, v.Value); msg != "" {
			return msg
		}
	case *dns.HTTPS:
		if msg := svcbAlias(v.Priority, v.Value); msg != "" {
			return msg
		}
	case *dns.RFC3597:
		if _, err := hex.DecodeString(v.Rdata); err != nil {
			return "RFC 3597 data (\\#) is not hexadecimal: " + strings.TrimPrefix(err.Error(), "encoding/hex: ")
		}
	case *dns.AMTRELAY:
		if v.GatewayType > 3 {
			return "AMTRELAY relay type " + itoa(uint32(v.GatewayType)) + " is not defined (RFC 8777 4.2.3: 0 to 3)"
		}
	}
	if n := dns.Len(rr) - dns.Len(&dns.ANY{Hdr: *rr.Header()}); n > maxRDATA {
		return TypeString(rr.Header().Rrtype) + " record of " + itoa(uint32(n)) + " bytes of RDATA: at most 65535 (RFC 1035 3.2.1)"
	}
	return ""
}

// svcbAlias refuses SvcParams that AliasMode (priority 0) may not carry: RFC 9460 2.4.2 says
// they are ignored there, and BIND and Knot refuse "mandatory" outright.
func svcbAlias(prio uint16, kv []dns.SVCBKeyValue) string {
	if prio != 0 {
		return ""
	}
	for _, p := range kv {
		if p.Key() == dns.SVCB_MANDATORY {
			return "SVCB/HTTPS in AliasMode (priority 0) with mandatory=: AliasMode carries no SvcParams (RFC 9460 2.4.2)"
		}
	}
	return ""
}

// longTXTString returns the length of the first character-string in raw (a record's text)
// longer than 255 bytes once its escapes are decoded, or 0. miekg/dns splits such strings
// silently; BIND and Knot refuse them.
func longTXTString(raw []byte) int {
	in, n := false, 0
	end := func() int {
		l := n
		n = 0
		if l > MaxTXTString {
			return l
		}
		return 0
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case !in && c == ';':
			for i < len(raw) && raw[i] != '\n' {
				i++
			}
			if l := end(); l > 0 {
				return l
			}
		case c == '"' || !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'):
			if c == '"' {
				in = !in
			}
			if l := end(); l > 0 {
				return l
			}
		case c == '\\' && i+1 < len(raw):
			if i+3 < len(raw) && isDigit(raw[i+1]) && isDigit(raw[i+2]) && isDigit(raw[i+3]) {
				i += 3
			} else {
				i++
			}
			n++
		default:
			n++
		}
	}
	return end()
}
