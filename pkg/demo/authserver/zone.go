package authserver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// zoneData is one zone's records; owners are lower-case. It is guarded by Server.mu and
// replaced whole by updates (copy on write), so readers may keep a snapshot.
type zoneData struct {
	origin string
	rrs    []dns.RR
}

// AddZone loads (or replaces) a zone from master-file text. The zone must have exactly one
// SOA at its origin and at least one apex NS.
func (s *Server) AddZone(origin, text string) error {
	origin = lower(origin)
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, canon(rr))
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("authserver %s: zone %s: %w", s.name, origin, err)
	}
	z := &zoneData{origin: origin}
	for _, rr := range rrs {
		if !dns.IsSubDomain(origin, rr.Header().Name) {
			return fmt.Errorf("authserver %s: zone %s: %s is outside the zone", s.name, origin, rr.Header().Name)
		}
		z.add(rr)
	}
	if z.soa() == nil || len(z.find(origin, dns.TypeNS)) == 0 {
		return fmt.Errorf("authserver %s: zone %s needs an SOA and NS records at its origin", s.name, origin)
	}
	s.mu.Lock()
	s.zones[origin] = z
	s.mu.Unlock()
	return nil
}

// Records returns a copy of a zone's records (nil when the server has no such zone).
func (s *Server) Records(origin string) []dns.RR {
	s.mu.RLock()
	z := s.zones[lower(origin)]
	s.mu.RUnlock()
	if z == nil {
		return nil
	}
	out := make([]dns.RR, len(z.rrs))
	for i, rr := range z.rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}

// Serial returns the SOA serial of a zone (0 when the server has no such zone).
func (s *Server) Serial(origin string) uint32 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if z := s.zones[lower(origin)]; z != nil {
		return z.soa().Serial
	}
	return 0
}

// canon lower-cases the owner and the names inside the RDATA (via a text round trip).
func canon(rr dns.RR) dns.RR {
	rr.Header().Name = lower(rr.Header().Name)
	rr.Header().Class = dns.ClassINET
	switch v := rr.(type) {
	case *dns.NS:
		v.Ns = lower(v.Ns)
	case *dns.CNAME:
		v.Target = lower(v.Target)
	case *dns.MX:
		v.Mx = lower(v.Mx)
	case *dns.SRV:
		v.Target = lower(v.Target)
	case *dns.PTR:
		v.Ptr = lower(v.Ptr)
	case *dns.SOA:
		v.Ns, v.Mbox = lower(v.Ns), lower(v.Mbox)
	}
	return rr
}

func (z *zoneData) clone() *zoneData {
	return &zoneData{origin: z.origin, rrs: slices.Clone(z.rrs)}
}

func (z *zoneData) soa() *dns.SOA {
	for _, rr := range z.rrs {
		if soa, ok := rr.(*dns.SOA); ok && rr.Header().Name == z.origin {
			return soa
		}
	}
	return nil
}

// find returns the records at name (lower-case) of type t (TypeANY: every type).
func (z *zoneData) find(name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range z.rrs {
		if rr.Header().Name == name && (t == dns.TypeANY || rr.Header().Rrtype == t) {
			out = append(out, rr)
		}
	}
	return out
}

// exists reports whether name owns records or is an empty non-terminal.
func (z *zoneData) exists(name string) bool {
	for _, rr := range z.rrs {
		if dns.IsSubDomain(name, rr.Header().Name) {
			return true
		}
	}
	return false
}

// cut returns the highest delegation point (a non-apex NS owner) at or above name, or "".
func (z *zoneData) cut(name string) string {
	best := ""
	for _, rr := range z.rrs {
		o := rr.Header().Name
		if rr.Header().Rrtype != dns.TypeNS || o == z.origin || !dns.IsSubDomain(o, name) {
			continue
		}
		if best == "" || dns.CountLabel(o) < dns.CountLabel(best) {
			best = o
		}
	}
	return best
}

// add inserts rr unless an identical record exists (then only its TTL is updated).
func (z *zoneData) add(rr dns.RR) {
	for i, x := range z.rrs {
		if dns.IsDuplicate(x, rr) {
			z.rrs[i] = rr
			return
		}
	}
	z.rrs = append(z.rrs, rr)
}

// zoneFor returns the zone with the longest origin containing name, or nil.
func (s *Server) zoneFor(name string) *zoneData {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var best *zoneData
	for origin, z := range s.zones {
		if dns.IsSubDomain(origin, name) && (best == nil || dns.CountLabel(origin) > dns.CountLabel(best.origin)) {
			best = z
		}
	}
	return best
}

// query fills resp for a standard query.
func (s *Server) query(req, resp *dns.Msg) {
	q := req.Question[0]
	name := lower(q.Name)
	z := s.zoneFor(name)
	if z == nil || q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		resp.Rcode = dns.RcodeRefused
		return
	}
	// Below (or at, except for DS) a delegation point: a referral, not authoritative.
	if c := z.cut(name); c != "" && !(c == name && q.Qtype == dns.TypeDS) {
		resp.Ns = z.find(c, dns.TypeNS)
		resp.Extra = glue(z, resp.Ns)
		return
	}
	resp.Authoritative = true
	for range 8 { // follow in-zone CNAMEs a few steps
		if ans := z.find(name, q.Qtype); len(ans) > 0 {
			resp.Answer = append(resp.Answer, ans...)
			if q.Qtype == dns.TypeNS || q.Qtype == dns.TypeMX {
				resp.Extra = glue(z, ans)
			}
			return
		}
		cn := z.find(name, dns.TypeCNAME)
		if len(cn) == 0 || q.Qtype == dns.TypeCNAME {
			break
		}
		resp.Answer = append(resp.Answer, cn[0])
		name = cn[0].(*dns.CNAME).Target
		if !dns.IsSubDomain(z.origin, name) || z.cut(name) != "" {
			return
		}
	}
	if !z.exists(name) {
		resp.Rcode = dns.RcodeNameError
	}
	resp.Ns = []dns.RR{negativeSOA(z.soa())}
}

// glue returns the A and AAAA records in z of the names the NS or MX records point to.
func glue(z *zoneData, rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		var target string
		switch v := rr.(type) {
		case *dns.NS:
			target = v.Ns
		case *dns.MX:
			target = v.Mx
		default:
			continue
		}
		if !dns.IsSubDomain(z.origin, target) {
			continue
		}
		out = append(out, z.find(target, dns.TypeA)...)
		out = append(out, z.find(target, dns.TypeAAAA)...)
	}
	return out
}

// negativeSOA is the SOA of a negative answer, its TTL capped by the SOA minimum (RFC 2308).
func negativeSOA(soa *dns.SOA) dns.RR {
	c := dns.Copy(soa).(*dns.SOA)
	c.Hdr.Ttl = min(c.Hdr.Ttl, c.Minttl)
	return c
}
