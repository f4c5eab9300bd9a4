package rfc2136

import (
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// parentServer is an in-process authoritative server for one parent zone that applies signed
// RFC 2136 UPDATEs (delete RRset, delete name, delete RR, add) and answers queries below a
// delegation with a referral (NS in authority, glue in additional). TCP only.
type parentServer struct {
	mu      sync.Mutex
	zone    string
	rrs     []dns.RR
	updates int
	addr    string
}

func startParent(t *testing.T, zone, text, keyName, secret string) *parentServer {
	t.Helper()
	p := &parentServer{zone: zone}
	zp := dns.NewZoneParser(strings.NewReader(text), zone, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		p.rrs = append(p.rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = l.Addr().String()
	started := make(chan struct{})
	srv := &dns.Server{Listener: l, Handler: p, TsigSecret: map[string]string{keyName: secret}, NotifyStartedFunc: func() { close(started) },
		MsgAcceptFunc: func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return p
}

func (p *parentServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	resp := new(dns.Msg)
	resp.SetReply(req)
	sign := func() {
		if t := req.IsTsig(); t != nil && w.TsigStatus() == nil {
			resp.SetTsig(t.Hdr.Name, t.Algorithm, 300, int64(t.TimeSigned))
		}
	}
	defer func() { sign(); _ = w.WriteMsg(resp) }()
	if req.Opcode == dns.OpcodeUpdate {
		if req.IsTsig() == nil || w.TsigStatus() != nil {
			resp.Rcode = dns.RcodeNotAuth
			return
		}
		if len(req.Question) != 1 || !strings.EqualFold(req.Question[0].Name, p.zone) {
			resp.Rcode = dns.RcodeNotZone
			return
		}
		p.updates++
		p.apply(req.Ns)
		return
	}
	q := req.Question[0]
	qname := strings.ToLower(q.Name)
	// Referral when qname is at or below a delegation point.
	for _, rr := range p.rrs {
		owner := strings.ToLower(rr.Header().Name)
		if rr.Header().Rrtype == dns.TypeNS && owner != p.zone && dns.IsSubDomain(owner, qname) {
			for _, x := range p.rrs {
				if x.Header().Rrtype == dns.TypeNS && strings.EqualFold(x.Header().Name, owner) {
					resp.Ns = append(resp.Ns, x)
					for _, g := range p.rrs {
						t := g.Header().Rrtype
						if (t == dns.TypeA || t == dns.TypeAAAA) && strings.EqualFold(g.Header().Name, x.(*dns.NS).Ns) {
							resp.Extra = append(resp.Extra, g)
						}
					}
				}
			}
			return
		}
	}
	resp.Authoritative = true
	for _, rr := range p.rrs {
		if strings.EqualFold(rr.Header().Name, qname) && rr.Header().Rrtype == q.Qtype {
			resp.Answer = append(resp.Answer, rr)
		}
	}
}

func (p *parentServer) apply(updates []dns.RR) {
	for _, u := range updates {
		h := u.Header()
		switch h.Class {
		case dns.ClassANY: // delete an RRset (or every RRset at the name for type ANY)
			p.rrs = slices.DeleteFunc(p.rrs, func(rr dns.RR) bool {
				return strings.EqualFold(rr.Header().Name, h.Name) && (h.Rrtype == dns.TypeANY || rr.Header().Rrtype == h.Rrtype)
			})
		case dns.ClassNONE: // delete one RR
			p.rrs = slices.DeleteFunc(p.rrs, func(rr dns.RR) bool {
				c := dns.Copy(u)
				c.Header().Class, c.Header().Ttl = dns.ClassINET, rr.Header().Ttl
				return dns.IsDuplicate(rr, c)
			})
		default:
			if !slices.ContainsFunc(p.rrs, func(rr dns.RR) bool { return dns.IsDuplicate(rr, u) }) {
				p.rrs = append(p.rrs, u)
			}
		}
	}
}

// records returns the zone's records as sorted text lines, for assertions.
func (p *parentServer) records() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return lines(p.rrs)
}

func lines(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		if t == dns.TypeSOA || t == dns.TypeTSIG {
			continue
		}
		out = append(out, strings.ToLower(rr.Header().Name)+" "+dns.TypeToString[t]+" "+strings.ToLower(strings.TrimPrefix(rr.String(), rr.Header().String())))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
