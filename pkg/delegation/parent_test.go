package delegation

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// fakeParent serves the parent zone "test." in process: a referral (or, with authChild, an
// authoritative answer) for the child's NS, and the child's DS records.
type fakeParent struct {
	addr netip.AddrPort

	mu        sync.Mutex
	ns        []string
	ds        []dns.RR
	authChild bool
	truncUDP  bool
	nsQueries int
	after     int      // switch to next after this many NS queries (0: never)
	next      []string // NS set published after `after` NS queries
}

const child = "child.test."

func startParent(t *testing.T, ns ...string) *fakeParent {
	t.Helper()
	p := &fakeParent{ns: ns}
	// One port for UDP and TCP: a free UDP port may be taken on TCP, so try a few.
	var (
		pc net.PacketConn
		l  net.Listener
		ap netip.AddrPort
	)
	for attempt := 0; ; attempt++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ap = pc.LocalAddr().(*net.UDPAddr).AddrPort()
		if l, err = net.Listen("tcp", ap.String()); err == nil {
			break
		}
		pc.Close()
		if attempt == 9 {
			t.Fatalf("no port free for both UDP and TCP after 10 tries: %v", err)
		}
	}
	p.addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	var wg sync.WaitGroup
	wg.Add(2)
	u := &dns.Server{PacketConn: pc, Handler: p, NotifyStartedFunc: wg.Done}
	tc := &dns.Server{Listener: l, Handler: p, NotifyStartedFunc: wg.Done}
	go u.ActivateAndServe()
	go tc.ActivateAndServe()
	wg.Wait()
	t.Cleanup(func() { u.Shutdown(); tc.Shutdown() })
	return p
}

func (p *fakeParent) set(f func(*fakeParent)) { p.mu.Lock(); f(p); p.mu.Unlock() }

func (p *fakeParent) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	udp := w.LocalAddr().Network() == "udp"
	switch {
	case p.truncUDP && udp:
		m.Truncated = true
	case name == child && q.Qtype == dns.TypeDS:
		m.Authoritative = true
		for _, rr := range p.ds {
			m.Answer = append(m.Answer, dns.Copy(rr))
		}
		if len(m.Answer) == 0 {
			m.Ns = append(m.Ns, soa())
		}
	case dns.IsSubDomain(child, name):
		if q.Qtype == dns.TypeNS && name == child {
			p.nsQueries++
			if p.after > 0 && p.nsQueries >= p.after {
				p.ns = p.next
			}
		}
		var rrs []dns.RR
		for _, n := range p.ns {
			rr, _ := dns.NewRR(child + " 3600 IN NS " + n)
			rrs = append(rrs, rr)
		}
		if p.authChild && name == child && q.Qtype == dns.TypeNS {
			m.Authoritative, m.Answer = true, rrs
		} else {
			m.Ns = rrs
		}
	case name == "test.":
		m.Authoritative = true
		if q.Qtype == dns.TypeSOA {
			m.Answer = append(m.Answer, soa())
		}
	default:
		m.Authoritative, m.Rcode = true, dns.RcodeNameError
		m.Ns = append(m.Ns, soa())
	}
	w.WriteMsg(m)
}

func soa() dns.RR {
	rr, _ := dns.NewRR("test. 300 IN SOA ns.test. h.test. 1 3600 600 86400 60")
	return rr
}

func mustDS(t *testing.T, s string) *dns.DS {
	t.Helper()
	rr, err := dns.NewRR(child + " 86400 IN DS " + s)
	if err != nil {
		t.Fatal(err)
	}
	return rr.(*dns.DS)
}

func join(s []string) string { return strings.Join(s, " ") }
