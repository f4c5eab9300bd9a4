// Package authserver is a small in-process authoritative DNS server on miekg/dns, for the
// demo and for tests: it listens on one 127.0.0.1 port (UDP and TCP), serves zones from
// memory and answers like an authoritative server should (AA; referrals with glue below a
// delegation; NXDOMAIN and NODATA with the SOA in the authority section). It accepts AXFR and
// RFC 2136 UPDATE, TSIG-signed when keys are configured, so the real rfc2136 provider and
// registrar run against it unchanged.
//
// Limits: no wildcards, no DNSSEC, no IXFR (NOTIMP), no NOTIFY to secondaries, UPDATE
// prerequisites are ignored. Stop and Start simulate an outage: while stopped, the server
// stays bound to its port but answers nothing (queries time out), and keeps its data.
package authserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Config configures a Server.
type Config struct {
	// Name labels the server in logs ("primary").
	Name string
	// Addr is the IP to listen on; the zero value means 127.0.0.1. The port is always a free
	// one picked by the system, the same for UDP and TCP.
	Addr netip.Addr
	// Keys maps TSIG key names (absolute) to base64 secrets. When set, AXFR and UPDATE must be
	// signed with one of them; queries may be signed or not.
	Keys map[string]string
	// Logger receives debug lines; nil discards.
	Logger *slog.Logger
}

// Server is a running authoritative server. Its methods are safe for concurrent use.
type Server struct {
	name string
	log  *slog.Logger
	keys map[string]string

	mu    sync.RWMutex
	zones map[string]*zoneData // origin -> data

	down    atomic.Bool
	queries atomic.Int64
	updates atomic.Int64

	addr     netip.AddrPort
	udp, tcp *dns.Server
	closeMu  sync.Mutex
	closed   bool
}

// New starts a server on a free port of cfg.Addr with no zones; add them with AddZone. Close
// it when done.
func New(cfg Config) (*Server, error) {
	s := &Server{name: cfg.Name, log: cfg.Logger, zones: map[string]*zoneData{}, keys: map[string]string{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for k, v := range cfg.Keys {
		s.keys[dns.CanonicalName(k)] = v
	}
	ip := cfg.Addr
	if !ip.IsValid() {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	var pc net.PacketConn
	var l net.Listener
	var err error
	for range 50 { // a free TCP port whose UDP twin is free too
		l, err = net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
		if err != nil {
			return nil, fmt.Errorf("authserver %s: listen tcp: %w", s.name, err)
		}
		ap := netip.MustParseAddrPort(l.Addr().String())
		pc, err = net.ListenPacket("udp", ap.String())
		if err == nil {
			s.addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
			break
		}
		_ = l.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("authserver %s: listen udp: %w", s.name, err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	s.udp = &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: wg.Done, MsgAcceptFunc: accept, TsigSecret: s.keys}
	s.tcp = &dns.Server{Listener: l, Handler: s, NotifyStartedFunc: wg.Done, MsgAcceptFunc: accept, TsigSecret: s.keys,
		IdleTimeout: func() time.Duration { return 10 * time.Second }}
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	wg.Wait()
	return s, nil
}

// accept admits queries, NOTIFY and UPDATE (miekg's default refuses UPDATE).
func accept(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 { // QR: a response
		return dns.MsgIgnore
	}
	switch int(dh.Bits>>11) & 0xF {
	case dns.OpcodeQuery, dns.OpcodeNotify, dns.OpcodeUpdate:
	default:
		return dns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 {
		return dns.MsgReject
	}
	return dns.MsgAccept
}

// Addr returns the address the server listens on (UDP and TCP).
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Name returns the configured name.
func (s *Server) Name() string { return s.name }

// Stop makes the server stop answering (an outage): queries, transfers and updates get no
// reply at all. Data is kept; Start resumes.
func (s *Server) Stop() { s.down.Store(true) }

// Start resumes answering after Stop.
func (s *Server) Start() { s.down.Store(false) }

// Running reports whether the server answers (not stopped).
func (s *Server) Running() bool { return !s.down.Load() }

// Queries returns how many requests the server answered (updates and transfers included).
func (s *Server) Queries() int64 { return s.queries.Load() }

// Updates returns how many UPDATE messages the server applied.
func (s *Server) Updates() int64 { return s.updates.Load() }

// Close shuts the listeners down. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

// ServeDNS answers one request; see the package comment.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if s.down.Load() {
		return // an outage: no reply (the client times out)
	}
	s.queries.Add(1)
	tcp := w.LocalAddr().Network() == "tcp"
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionDesired = req.RecursionDesired
	signed := req.IsTsig() != nil
	if signed && w.TsigStatus() != nil {
		resp.Rcode = dns.RcodeNotAuth
		s.log.Debug("bad TSIG", "server", s.name, "err", w.TsigStatus())
		s.write(w, req, resp, false)
		return
	}
	switch {
	case req.Opcode == dns.OpcodeUpdate:
		s.update(req, resp, signed)
	case req.Opcode == dns.OpcodeNotify:
		resp.Authoritative = true
	case req.Question[0].Qtype == dns.TypeAXFR:
		if !tcp {
			resp.Rcode = dns.RcodeRefused
			break
		}
		if s.axfr(w, req) {
			return
		}
		resp.Rcode = dns.RcodeRefused
	case req.Question[0].Qtype == dns.TypeIXFR:
		resp.Rcode = dns.RcodeNotImplemented
	default:
		s.query(req, resp)
	}
	s.write(w, req, resp, tcp)
}

// write adds EDNS (when asked), truncates UDP replies to the client's size, signs and sends.
func (s *Server) write(w dns.ResponseWriter, req, resp *dns.Msg, tcp bool) {
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		if opt.UDPSize() > uint16(size) {
			size = int(opt.UDPSize())
		}
		resp.SetEdns0(1232, false)
	}
	if !tcp && w.LocalAddr().Network() == "udp" {
		resp.Truncate(size)
	}
	if t := req.IsTsig(); t != nil && w.TsigStatus() == nil {
		resp.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("write reply", "server", s.name, "err", err)
	}
}

// lower returns the canonical (lower-case, absolute) form of a name.
func lower(name string) string { return strings.ToLower(dns.Fqdn(name)) }
