package authserver

import (
	"slices"

	"github.com/miekg/dns"
)

// axfrChunk is the number of records per AXFR message.
const axfrChunk = 200

// axfr streams a zone (SOA, records, SOA) and reports whether it did; false means refused
// (unknown zone, or unsigned while keys are configured).
func (s *Server) axfr(w dns.ResponseWriter, req *dns.Msg) bool {
	if len(s.keys) > 0 && req.IsTsig() == nil {
		return false
	}
	s.mu.RLock()
	z := s.zones[lower(req.Question[0].Name)]
	s.mu.RUnlock()
	if z == nil {
		return false
	}
	soa := z.soa()
	all := []dns.RR{soa}
	for _, rr := range z.rrs {
		if rr != dns.RR(soa) {
			all = append(all, rr)
		}
	}
	all = append(all, soa)
	ch := make(chan *dns.Envelope, len(all)/axfrChunk+1)
	for len(all) > 0 {
		n := min(axfrChunk, len(all))
		ch <- &dns.Envelope{RR: all[:n]}
		all = all[n:]
	}
	close(ch)
	tr := new(dns.Transfer)
	if err := tr.Out(w, req, ch); err != nil {
		s.log.Debug("axfr out", "server", s.name, "err", err)
	}
	return true
}

// update applies an RFC 2136 UPDATE atomically: every record of the update section is
// checked and applied to a copy of the zone, which replaces the zone only when all went well.
// Prerequisites are ignored. Supported: add (class IN), delete an RRset (ANY, type), delete
// every RRset at a name (ANY, ANY), delete one record (NONE). At the apex the SOA and NS
// RRsets are never deleted whole and the last NS record stays (RFC 2136 3.4.2.3-4); an added
// SOA replaces the SOA when its serial is newer. The serial is incremented after a change
// unless the update set the SOA itself.
func (s *Server) update(req, resp *dns.Msg, signed bool) {
	if len(s.keys) > 0 && !signed {
		resp.Rcode = dns.RcodeRefused
		return
	}
	zname := lower(req.Question[0].Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zname]
	if z == nil || req.Question[0].Qtype != dns.TypeSOA {
		// REFUSED rather than RFC 2136's NOTAUTH: miekg/dns clients read any NOTAUTH reply
		// as a TSIG failure ("bad authentication"), which would mislead.
		resp.Rcode = dns.RcodeRefused
		return
	}
	nz := z.clone()
	changed, explicitSOA := false, false
	for _, u := range req.Ns {
		h := u.Header()
		name := lower(h.Name)
		if !dns.IsSubDomain(zname, name) {
			resp.Rcode = dns.RcodeNotZone
			return
		}
		apex := name == zname
		switch h.Class {
		case dns.ClassINET:
			switch h.Rrtype {
			case dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeMAILA, dns.TypeMAILB, dns.TypeOPT, dns.TypeTSIG:
				resp.Rcode = dns.RcodeFormatError
				return
			}
			rr := canon(dns.Copy(u))
			if h.Rrtype == dns.TypeSOA {
				if apex && serialNewer(rr.(*dns.SOA).Serial, nz.soa().Serial) {
					nz.rrs = slices.DeleteFunc(nz.rrs, func(x dns.RR) bool { return x.Header().Rrtype == dns.TypeSOA })
					nz.rrs = append([]dns.RR{rr}, nz.rrs...)
					changed, explicitSOA = true, true
				}
				continue
			}
			hasCNAME := len(nz.find(name, dns.TypeCNAME)) > 0
			others := slices.ContainsFunc(nz.find(name, dns.TypeANY), func(x dns.RR) bool { return x.Header().Rrtype != dns.TypeCNAME })
			if h.Rrtype == dns.TypeCNAME && others || h.Rrtype != dns.TypeCNAME && hasCNAME {
				continue // CNAME and other data do not mix: ignored, like BIND
			}
			nz.add(rr)
			changed = true
		case dns.ClassANY:
			n := len(nz.rrs)
			nz.rrs = slices.DeleteFunc(nz.rrs, func(x dns.RR) bool {
				t := x.Header().Rrtype
				if x.Header().Name != name || apex && (t == dns.TypeSOA || t == dns.TypeNS) {
					return false
				}
				return h.Rrtype == dns.TypeANY || t == h.Rrtype
			})
			changed = changed || len(nz.rrs) != n
		case dns.ClassNONE:
			if h.Rrtype == dns.TypeSOA {
				continue
			}
			if apex && h.Rrtype == dns.TypeNS && len(nz.find(name, dns.TypeNS)) <= 1 {
				continue
			}
			c := canon(dns.Copy(u))
			n := len(nz.rrs)
			nz.rrs = slices.DeleteFunc(nz.rrs, func(x dns.RR) bool { return dns.IsDuplicate(x, c) })
			changed = changed || len(nz.rrs) != n
		default:
			resp.Rcode = dns.RcodeFormatError
			return
		}
	}
	if changed && !explicitSOA {
		old := nz.soa()
		soa := dns.Copy(old).(*dns.SOA)
		soa.Serial++
		i := slices.Index(nz.rrs, dns.RR(old))
		nz.rrs[i] = soa
	}
	s.zones[zname] = nz
	s.updates.Add(1)
	s.log.Debug("update applied", "server", s.name, "zone", zname, "records", len(req.Ns), "serial", nz.soa().Serial)
}

// serialNewer compares SOA serials in RFC 1982 arithmetic.
func serialNewer(a, b uint32) bool { return a != b && int32(a-b) > 0 }
