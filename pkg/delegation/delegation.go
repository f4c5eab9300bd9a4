// Package delegation reads a zone's delegation (NS set and DS records) as the parent zone's
// servers publish it, by asking each of them directly with RD=0, and waits for a new NS set to
// become visible on all of them.
package delegation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// DefaultTimeout bounds each query when Reader.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// Reader asks parent servers for a delegation. The zero value is usable and safe for
// concurrent use.
type Reader struct {
	// Timeout bounds each query; 0 means DefaultTimeout.
	Timeout time.Duration
	// Logger receives debug lines; nil discards.
	Logger *slog.Logger
}

// ServerView is what one parent server publishes for the zone.
type ServerView struct {
	Server netip.AddrPort
	NS     []string  // absolute, lower-case, sorted, unique
	NSTTL  uint32    // TTL of the NS RRset (smallest seen)
	DS     []*dns.DS // DS records, sorted by presentation; empty when there are none
	DSTTL  uint32
	Err    error // non-nil when the server gave no usable answer; the other fields are then empty
}

// Delegation is the delegation of Zone as seen on every parent server asked.
type Delegation struct {
	Zone    string
	Servers []ServerView // in the order of the parent servers given
	// NS, NSTTL and DS come from the first server that answered.
	NS    []string
	NSTTL uint32
	DS    []*dns.DS
	// Agree is true when every server answered and all publish the same NS set and DS records.
	Agree bool
}

// Answered returns the views of the servers that answered.
func (d Delegation) Answered() []ServerView {
	var out []ServerView
	for _, v := range d.Servers {
		if v.Err == nil {
			out = append(out, v)
		}
	}
	return out
}

func (r *Reader) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Reader) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Delegation asks every parent server, concurrently, for "zone NS" and "zone DS" (RD=0, EDNS,
// TCP when truncated). The NS set is read from the authority section of a referral, or from the
// answer section when the server is also authoritative for the zone. It returns an error only
// when no server gave a usable answer; per-server failures are in ServerView.Err.
func (r *Reader) Delegation(ctx context.Context, parentServers []netip.AddrPort, zone string) (Delegation, error) {
	zone = dns.CanonicalName(zone)
	d := Delegation{Zone: zone, Servers: make([]ServerView, len(parentServers))}
	if len(parentServers) == 0 {
		return d, fmt.Errorf("delegation of %s: no parent servers given", zone)
	}
	var wg sync.WaitGroup
	for i, srv := range parentServers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Servers[i] = r.view(ctx, srv, zone)
		}()
	}
	wg.Wait()
	var errs []error
	d.Agree = true
	var first *ServerView
	for i := range d.Servers {
		v := &d.Servers[i]
		if v.Err != nil {
			errs = append(errs, v.Err)
			d.Agree = false
			continue
		}
		if first == nil {
			first = v
			d.NS, d.NSTTL, d.DS = v.NS, v.NSTTL, v.DS
			continue
		}
		if !slices.Equal(v.NS, first.NS) || !slices.Equal(dsStrings(v.DS), dsStrings(first.DS)) {
			d.Agree = false
		}
	}
	if first == nil {
		return d, fmt.Errorf("delegation of %s: no parent server answered: %w", zone, errors.Join(errs...))
	}
	return d, nil
}

// view asks one server for the NS and DS of zone.
func (r *Reader) view(ctx context.Context, srv netip.AddrPort, zone string) ServerView {
	v := ServerView{Server: srv}
	m, err := r.query(ctx, srv, zone, dns.TypeNS)
	if err != nil {
		v.Err = err
		return v
	}
	ns, ttl := nsFrom(m, zone)
	if len(ns) == 0 {
		v.Err = fmt.Errorf("%s: no NS records for %s (rcode %s, %d answer, %d authority)",
			srv, zone, dns.RcodeToString[m.Rcode], len(m.Answer), len(m.Ns))
		return v
	}
	v.NS, v.NSTTL = ns, ttl
	m, err = r.query(ctx, srv, zone, dns.TypeDS)
	if err != nil {
		v.Err = err
		v.NS, v.NSTTL = nil, 0
		return v
	}
	v.DS, v.DSTTL = dsFrom(m, zone)
	return v
}

// query sends one RD=0 question over UDP (TCP when truncated) and checks the reply.
func (r *Reader) query(ctx context.Context, srv netip.AddrPort, name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	q.SetEdns0(1232, false)
	c := &dns.Client{Net: "udp", Timeout: r.timeout()}
	qctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	m, _, err := c.ExchangeContext(qctx, q, srv.String())
	if err == nil && m.Truncated {
		c.Net = "tcp"
		m, _, err = c.ExchangeContext(qctx, q, srv.String())
	}
	if err != nil {
		r.logger().Debug("parent query failed", "server", srv.String(), "name", name, "type", dns.TypeToString[qtype], "error", err)
		return nil, fmt.Errorf("%s: %s %s: %w", srv, name, dns.TypeToString[qtype], err)
	}
	if len(m.Question) != 1 || !strings.EqualFold(m.Question[0].Name, name) || m.Question[0].Qtype != qtype {
		return nil, fmt.Errorf("%s: %s %s: reply for another question", srv, name, dns.TypeToString[qtype])
	}
	switch m.Rcode {
	case dns.RcodeSuccess:
		return m, nil
	case dns.RcodeNameError:
		return nil, fmt.Errorf("%s: %s is not delegated (NXDOMAIN)", srv, name)
	default:
		return nil, fmt.Errorf("%s: %s %s: rcode %s", srv, name, dns.TypeToString[qtype], dns.RcodeToString[m.Rcode])
	}
}

// nsFrom reads the NS set of zone from the answer section, else from the authority section.
func nsFrom(m *dns.Msg, zone string) ([]string, uint32) {
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		var names []string
		var ttl uint32
		for _, rr := range sec {
			ns, ok := rr.(*dns.NS)
			if !ok || !strings.EqualFold(ns.Hdr.Name, zone) {
				continue
			}
			if len(names) == 0 || ns.Hdr.Ttl < ttl {
				ttl = ns.Hdr.Ttl
			}
			names = append(names, dns.CanonicalName(ns.Ns))
		}
		if len(names) > 0 {
			return Normalize(names), ttl
		}
	}
	return nil, 0
}

// dsFrom reads the DS records of zone from the answer section.
func dsFrom(m *dns.Msg, zone string) ([]*dns.DS, uint32) {
	var out []*dns.DS
	var ttl uint32
	for _, rr := range m.Answer {
		ds, ok := rr.(*dns.DS)
		if !ok || !strings.EqualFold(ds.Hdr.Name, zone) {
			continue
		}
		if len(out) == 0 || ds.Hdr.Ttl < ttl {
			ttl = ds.Hdr.Ttl
		}
		out = append(out, ds)
	}
	slices.SortFunc(out, func(a, b *dns.DS) int { return strings.Compare(dsString(a), dsString(b)) })
	return out, ttl
}

func dsString(ds *dns.DS) string {
	return fmt.Sprintf("%d %d %d %s", ds.KeyTag, ds.Algorithm, ds.DigestType, strings.ToLower(ds.Digest))
}

func dsStrings(dss []*dns.DS) []string {
	out := make([]string, len(dss))
	for i, ds := range dss {
		out[i] = dsString(ds)
	}
	return out
}

// Normalize returns names as absolute, lower-case, sorted and unique.
func Normalize(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, dns.CanonicalName(n))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
