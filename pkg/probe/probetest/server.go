// Package probetest runs a small, configurable authoritative DNS server on 127.0.0.1 (UDP and
// TCP on one port) for tests of probes and failover. It serves a zone's apex SOA, the sync
// stamp and any extra records, and can misbehave on demand (see Mode).
package probetest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/probe"
)

// Mode is how the server answers.
type Mode int

const (
	Healthy       Mode = iota // authoritative answers
	NoAA                      // answers without the AA bit
	ServFail                  // SERVFAIL
	Refused                   // REFUSED
	WrongOwner                // the SOA is owned by another name
	Silent                    // never answers
	TruncateUDP               // empty TC=1 replies over UDP, full answers over TCP
	WrongQuestion             // the reply carries another question
	SpoofID                   // the reply carries another ID
	Garbage                   // random bytes (with the query's ID)
	Oversized                 // a valid reply padded far beyond 1232 bytes
	Raw                       // the bytes given to SetRaw
)

// Server is a running fake authoritative server. Its setters are safe for concurrent use.
type Server struct {
	Zone string         // absolute, lower-case
	Addr netip.AddrPort // 127.0.0.1:port, UDP and TCP

	mu      sync.Mutex
	mode    Mode
	serial  uint32
	stamp   string
	raw     []byte
	patchID bool
	extra   []dns.RR
	udp     *dns.Server
	tcp     *dns.Server

	udpQueries, tcpQueries atomic.Int64
}

// Start starts a healthy server for zone on a free 127.0.0.1 port, with serial 1 and no stamp;
// it is stopped when the test ends.
func Start(tb testing.TB, zone string) *Server {
	tb.Helper()
	s := &Server{Zone: dns.CanonicalName(zone), serial: 1}
	var err error
	for range 20 {
		if err = s.listen(0); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("probetest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) listen(port uint16) error {
	pc, err := net.ListenPacket("udp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String())
	if err != nil {
		return fmt.Errorf("listen udp: %w", err)
	}
	ap := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	l, err := net.Listen("tcp", ap.String())
	if err != nil {
		pc.Close()
		return fmt.Errorf("listen tcp %s: %w", ap, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: wg.Done}
	tcp := &dns.Server{Listener: l, Handler: s, NotifyStartedFunc: wg.Done}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	wg.Wait()
	s.mu.Lock()
	s.Addr, s.udp, s.tcp = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), udp, tcp
	s.mu.Unlock()
	return nil
}

// Stop closes both sockets: the port then answers with ICMP port unreachable / RST.
func (s *Server) Stop() {
	s.mu.Lock()
	udp, tcp := s.udp, s.tcp
	s.udp, s.tcp = nil, nil
	s.mu.Unlock()
	if udp != nil {
		udp.Shutdown()
	}
	if tcp != nil {
		tcp.Shutdown()
	}
}

// Restart listens again on the same port after Stop.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.udp != nil
	s.mu.Unlock()
	if running {
		return nil
	}
	return s.listen(s.Addr.Port())
}

// SetMode changes how the server answers.
func (s *Server) SetMode(m Mode) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

// SetSerial sets the SOA serial.
func (s *Server) SetSerial(n uint32) { s.mu.Lock(); s.serial = n; s.mu.Unlock() }

// SetStamp sets the hash served as "v=tz1 h=<hash>" at _twinzone.<zone>; "" serves no stamp.
func (s *Server) SetStamp(h string) { s.mu.Lock(); s.stamp = h; s.mu.Unlock() }

// SetRaw sets the bytes sent in Raw mode; with patchID the first two bytes are replaced by
// the query's ID (when there are two).
func (s *Server) SetRaw(b []byte, patchID bool) {
	s.mu.Lock()
	s.raw, s.patchID = append([]byte(nil), b...), patchID
	s.mu.Unlock()
}

// SetRecords replaces the extra records (a test parent changes a delegation with it).
func (s *Server) SetRecords(rrs ...dns.RR) {
	s.mu.Lock()
	s.extra = append([]dns.RR(nil), rrs...)
	s.mu.Unlock()
}

// SetStampText serves text as the stamp TXT at _twinzone.<zone> ("" serves none), e.g. a
// "v=tz2 g=<serial> h=<hash>" stamp.
func (s *Server) SetStampText(text string) { s.mu.Lock(); s.stamp = "text:" + text; s.mu.Unlock() }

// AddRecords adds records served authoritatively (e.g. DNSKEY at the apex).
func (s *Server) AddRecords(rrs ...dns.RR) {
	s.mu.Lock()
	s.extra = append(s.extra, rrs...)
	s.mu.Unlock()
}

// Queries returns how many queries arrived over UDP and TCP.
func (s *Server) Queries() (udp, tcp int) {
	return int(s.udpQueries.Load()), int(s.tcpQueries.Load())
}

// Target returns a probe target for this server.
func (s *Server) Target(provider, nameserver string) probe.Target {
	return probe.Target{Provider: provider, Nameserver: dns.CanonicalName(nameserver), Addr: s.Addr}
}

// StampTXT returns the stamp record text for hash h (a "text:" prefix: the text itself).
func StampTXT(h string) string {
	if t, ok := strings.CutPrefix(h, "text:"); ok {
		return t
	}
	return "v=tz1 h=" + h
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	mode, serial, stamp, patch := s.mode, s.serial, s.stamp, s.patchID
	raw := append([]byte(nil), s.raw...)
	extra := append([]dns.RR(nil), s.extra...)
	s.mu.Unlock()
	udp := w.LocalAddr().Network() == "udp"
	if udp {
		s.udpQueries.Add(1)
	} else {
		s.tcpQueries.Add(1)
	}
	switch mode {
	case Silent:
		return
	case Garbage:
		raw = make([]byte, 64)
		for i := range raw {
			raw[i] = byte(rand.IntN(256))
		}
		patch = true
		fallthrough
	case Raw:
		if patch && len(raw) >= 2 {
			raw[0], raw[1] = byte(req.Id>>8), byte(req.Id)
		}
		w.Write(raw)
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if req.IsEdns0() != nil {
		m.SetEdns0(1232, false)
	}
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	s.answer(m, req.Question[0], serial, stamp, extra, mode == WrongOwner)
	switch mode {
	case NoAA:
		m.Authoritative = false
	case ServFail:
		m.Rcode, m.Answer, m.Ns = dns.RcodeServerFailure, nil, nil
	case Refused:
		m.Rcode, m.Answer, m.Ns, m.Authoritative = dns.RcodeRefused, nil, nil, false
	case WrongQuestion:
		m.Question[0].Name = "elsewhere." + m.Question[0].Name
	case SpoofID:
		m.Id ^= 0x5a5a
	case TruncateUDP:
		if udp {
			m.Truncated, m.Answer, m.Ns = true, nil, nil
		}
	case Oversized:
		for i := range 40 {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: s.Zone, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: []string{fmt.Sprintf("padding-%02d-%s", i, strings.Repeat("x", 60))}})
		}
	}
	w.WriteMsg(m)
}

func (s *Server) answer(m *dns.Msg, q dns.Question, serial uint32, stamp string, extra []dns.RR, wrongOwner bool) {
	name := dns.CanonicalName(q.Name)
	if !dns.IsSubDomain(s.Zone, name) {
		m.Rcode, m.Authoritative = dns.RcodeRefused, false
		return
	}
	owner := s.Zone
	if wrongOwner {
		owner = "wrong-" + strings.TrimSuffix(s.Zone, ".") + ".example."
	}
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
		Ns: "ns1." + s.Zone, Mbox: "hostmaster." + s.Zone, Serial: serial, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60}
	exists := name == s.Zone
	if name == s.Zone && q.Qtype == dns.TypeSOA {
		m.Answer = append(m.Answer, soa)
	}
	if stamp != "" && stamp != "text:" && name == probe.StampName(s.Zone) {
		exists = true
		if q.Qtype == dns.TypeTXT {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: []string{StampTXT(stamp)}})
		}
	}
	for _, rr := range extra {
		h := rr.Header()
		if strings.EqualFold(h.Name, name) {
			exists = true
			if h.Rrtype == q.Qtype {
				m.Answer = append(m.Answer, dns.Copy(rr))
			}
		}
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	if len(m.Answer) == 0 {
		m.Ns = append(m.Ns, soa)
	}
}
