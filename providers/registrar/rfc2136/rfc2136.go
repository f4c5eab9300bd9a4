// Package rfc2136 is the registrar for a parent zone you run yourself (BIND, Knot, PowerDNS...):
// the delegation of a child domain is the child's NS RRset in the parent zone, plus glue
// (A/AAAA) for nameservers inside the child. Nameservers asks the parent server for the child's
// NS over TCP with RD=0 (the referral's authority section); SetNameservers sends ONE dynamic
// UPDATE (RFC 2136, TSIG-signed when a key is configured) that deletes the child's NS RRset and
// the glue of its old and new in-bailiwick nameservers, then adds the new NS records and glue,
// so the server applies the whole change atomically or not at all.
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Config configures the parent zone server.
type Config struct {
	Server  string // "ip:port" of the parent zone's primary
	Zone    string // the parent zone ("test.")
	KeyName string // TSIG key name; empty: unsigned
	KeyAlg  string // "hmac-sha256" (default), "hmac-sha512", ...
	Key     string // base64 TSIG secret; never logged
	// TTL of the NS and glue records written. 0 (the default) keeps the TTL the parent
	// publishes for the child's NS RRset (a .com-like parent uses 172800, and a change must
	// not shorten or lengthen it behind the operator's back); DefaultTTL for a new delegation.
	TTL     uint32
	Timeout time.Duration // per exchange; default 10 s
}

// DefaultTTL is the TTL of a new delegation's records when Config.TTL is 0.
const DefaultTTL = 3600

// Registrar updates the delegation in the parent zone.
type Registrar struct {
	cfg Config
}

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the registrar.
func New(cfg Config) (*Registrar, error) {
	if cfg.Server == "" || cfg.Zone == "" {
		return nil, fmt.Errorf("rfc2136 registrar: server and zone are required")
	}
	if _, _, err := net.SplitHostPort(cfg.Server); err != nil {
		cfg.Server = net.JoinHostPort(cfg.Server, "53")
	}
	cfg.Zone = strings.ToLower(dns.Fqdn(cfg.Zone))
	if cfg.KeyName != "" {
		if cfg.Key == "" {
			return nil, fmt.Errorf("rfc2136 registrar: key_name set without key")
		}
		cfg.KeyName = strings.ToLower(dns.Fqdn(cfg.KeyName))
		if cfg.KeyAlg == "" {
			cfg.KeyAlg = dns.HmacSHA256
		}
		cfg.KeyAlg = strings.ToLower(dns.Fqdn(cfg.KeyAlg))
		switch cfg.KeyAlg {
		case dns.HmacSHA1, dns.HmacSHA224, dns.HmacSHA256, dns.HmacSHA384, dns.HmacSHA512:
		default:
			return nil, fmt.Errorf("rfc2136 registrar: unsupported key_alg %q", strings.TrimSuffix(cfg.KeyAlg, "."))
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Registrar{cfg: cfg}, nil
}

func (r *Registrar) child(domain string) (string, error) {
	d := strings.ToLower(dns.Fqdn(domain))
	if d == r.cfg.Zone || !dns.IsSubDomain(r.cfg.Zone, d) {
		return "", fmt.Errorf("rfc2136 registrar: %s is not a child of the parent zone %s", d, r.cfg.Zone)
	}
	return d, nil
}

func (r *Registrar) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: "tcp", Timeout: r.cfg.Timeout}
	if r.cfg.KeyName != "" {
		c.TsigSecret = map[string]string{r.cfg.KeyName: r.cfg.Key}
		m.SetTsig(r.cfg.KeyName, r.cfg.KeyAlg, 300, time.Now().Unix())
	}
	resp, _, err := c.ExchangeContext(ctx, m, r.cfg.Server)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, dns.ErrAuth) || errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrKeyAlg) {
			return nil, registrar.MarkPermanent(err) // a wrong TSIG key stays wrong
		}
		return nil, provider.MarkTransient(err)
	}
	return resp, nil
}

// Nameservers returns the child's NS set as the parent server publishes it; empty (no error)
// when the child is not delegated.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	d, err := r.child(domain)
	if err != nil {
		return nil, err
	}
	names, _, err := r.delegation(ctx, d)
	return names, err
}

// delegation returns the child's NS names and their TTL (0 when not delegated).
func (r *Registrar) delegation(ctx context.Context, d string) ([]string, uint32, error) {
	m := new(dns.Msg)
	m.SetQuestion(d, dns.TypeNS)
	m.RecursionDesired = false
	resp, err := r.exchange(ctx, m)
	if err != nil {
		return nil, 0, fmt.Errorf("rfc2136 registrar: NS %s @%s: %w", d, r.cfg.Server, err)
	}
	if resp.Rcode == dns.RcodeNameError {
		return nil, 0, nil // not delegated (yet): the set is empty
	}
	if resp.Rcode != dns.RcodeSuccess {
		return nil, 0, fmt.Errorf("rfc2136 registrar: NS %s @%s: rcode %s", d, r.cfg.Server, dns.RcodeToString[resp.Rcode])
	}
	var names []string
	var ttl uint32
	for _, rr := range slices.Concat(resp.Answer, resp.Ns) {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, d) {
			names = append(names, strings.ToLower(ns.Ns))
			ttl = max(ttl, ns.Hdr.Ttl)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), ttl, nil
}

// SetNameservers replaces the child's NS RRset and the glue of its in-bailiwick nameservers in
// one UPDATE. An in-bailiwick nameserver without addresses is refused (it would be unreachable).
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	d, err := r.child(domain)
	if err != nil {
		return registrar.Operation{}, err
	}
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("rfc2136 registrar: %s: refusing an empty nameserver set", d)
	}
	old, ttl, err := r.delegation(ctx, d)
	if err != nil {
		return registrar.Operation{}, err
	}
	switch {
	case r.cfg.TTL != 0:
		ttl = r.cfg.TTL
	case ttl == 0:
		ttl = DefaultTTL
	}
	m, err := r.Message(d, old, ttl, set)
	if err != nil {
		return registrar.Operation{}, err
	}
	resp, err := r.exchange(ctx, m)
	if err != nil {
		return registrar.Operation{}, fmt.Errorf("rfc2136 registrar: UPDATE %s in %s @%s: %w", d, r.cfg.Zone, r.cfg.Server, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		err := fmt.Errorf("rfc2136 registrar: UPDATE %s in %s @%s: rcode %s", d, r.cfg.Zone, r.cfg.Server, dns.RcodeToString[resp.Rcode])
		switch resp.Rcode {
		case dns.RcodeServerFailure:
			err = provider.MarkTransient(err)
		case dns.RcodeRefused, dns.RcodeNotAuth, dns.RcodeNotZone, dns.RcodeFormatError:
			err = registrar.MarkPermanent(err) // not allowed, not this server's zone: retrying cannot help
		}
		return registrar.Operation{}, err
	}
	return registrar.Operation{}, nil
}

// Message builds the UPDATE that replaces child's delegation (old: the NS names now published,
// whose in-bailiwick glue is removed too) with records of the given TTL.
func (r *Registrar) Message(child string, old []string, ttl uint32, set nameserver.Set) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetUpdate(r.cfg.Zone)
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
	}
	m.RemoveRRset([]dns.RR{&dns.NS{Hdr: hdr(child, dns.TypeNS)}})
	glueNames := map[string]bool{}
	for _, n := range old {
		if n = strings.ToLower(dns.Fqdn(n)); dns.IsSubDomain(child, n) {
			glueNames[n] = true
		}
	}
	var inserts []dns.RR
	seen := map[string]bool{}
	for _, ns := range set {
		name := strings.ToLower(dns.Fqdn(ns.Name))
		if seen[name] {
			continue
		}
		seen[name] = true
		inserts = append(inserts, &dns.NS{Hdr: hdr(child, dns.TypeNS), Ns: name})
		if !dns.IsSubDomain(child, name) {
			continue
		}
		if len(ns.Addrs) == 0 {
			return nil, fmt.Errorf("rfc2136 registrar: %s is inside %s and needs glue, but has no address", name, child)
		}
		glueNames[name] = true
		var addrs []string
		for _, a := range ns.Addrs {
			ip := a.Addr().Unmap()
			if slices.Contains(addrs, ip.String()) {
				continue
			}
			addrs = append(addrs, ip.String())
			if ip.Is4() {
				inserts = append(inserts, &dns.A{Hdr: hdr(name, dns.TypeA), A: ip.AsSlice()})
			} else {
				inserts = append(inserts, &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: ip.AsSlice()})
			}
		}
	}
	names := make([]string, 0, len(glueNames))
	for n := range glueNames {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		m.RemoveRRset([]dns.RR{&dns.A{Hdr: hdr(n, dns.TypeA)}, &dns.AAAA{Hdr: hdr(n, dns.TypeAAAA)}})
	}
	m.Insert(inserts)
	return m, nil
}
