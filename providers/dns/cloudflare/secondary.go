package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// EdgeLookup returns the addresses Cloudflare's nameservers answer for name (A and AAAA): the
// edge that proxies it.
type EdgeLookup func(ctx context.Context, name string) ([]netip.Addr, error)

// ForSecondary returns desired as the zone's other provider serves it, given the config's
// proxied entries: for a name whose choice is edge, the addresses edge returns; for values,
// the configured addresses; each replaces the name's A, AAAA and CNAME RRsets (with the
// lowest of their TTLs), so that failing over to the other provider keeps the name on
// Cloudflare's proxy rather than silently exposing the origin. For origin and off, the zone
// file's values are kept. desired is not modified. An edge that cannot be learnt is an error:
// the other provider's sync stops rather than serving the origin instead.
func ForSecondary(ctx context.Context, desired []zone.RRset, proxied []config.Proxied, edge EdgeLookup) ([]zone.RRset, error) {
	repl := map[string][]netip.Addr{}
	var errs []error
	for _, e := range proxied {
		switch e.Secondary {
		case config.ProxiedValues:
			repl[e.Name] = e.Values
		case config.ProxiedEdge:
			if edge == nil {
				errs = append(errs, fmt.Errorf("%s: no way to ask Cloudflare's nameservers for its edge addresses", e.Name))
				continue
			}
			addrs, err := edge(ctx, e.Name)
			if err == nil && len(addrs) == 0 {
				err = errors.New("no A or AAAA records in the answer")
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s (proxied, secondary: edge): cannot learn the addresses Cloudflare's edge answers, so the secondary is not synced rather than serving the origin: %w", e.Name, err))
				continue
			}
			repl[e.Name] = addrs
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(repl) == 0 {
		return desired, nil
	}
	out := make([]zone.RRset, 0, len(desired)+len(repl))
	ttl := map[string]uint32{}
	for _, s := range desired {
		if _, ok := repl[s.Name]; ok && proxiable(s.Type) {
			if t, seen := ttl[s.Name]; !seen || s.TTL < t {
				ttl[s.Name] = s.TTL
			}
			continue
		}
		out = append(out, s)
	}
	for name, addrs := range repl {
		t, ok := ttl[name]
		if !ok {
			t = 300 // Cloudflare's automatic TTL
		}
		v4 := zone.RRset{Name: name, Type: dns.TypeA, TTL: t}
		v6 := zone.RRset{Name: name, Type: dns.TypeAAAA, TTL: t}
		for _, a := range addrs {
			if a.Is4() {
				v4.Values = append(v4.Values, a.String())
			} else {
				v6.Values = append(v6.Values, a.String())
			}
		}
		for _, s := range []zone.RRset{v4, v6} {
			if len(s.Values) > 0 {
				slices.Sort(s.Values)
				s.Values = slices.Compact(s.Values)
				out = append(out, s)
			}
		}
	}
	zone.Sort(out)
	return out, nil
}

// DNSEdgeLookup asks Cloudflare's nameservers (their configured addresses, else their names
// resolved) for a name's A and AAAA records, without recursion, and takes the first
// authoritative answer.
func DNSEdgeLookup(servers nameserver.Set, timeout time.Duration) EdgeLookup {
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	return func(ctx context.Context, name string) ([]netip.Addr, error) {
		var errs []error
		for _, ns := range servers {
			addrs := ns.Addrs
			if len(addrs) == 0 {
				ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", ns.Name)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", ns.Name, err))
					continue
				}
				for _, ip := range ips {
					addrs = append(addrs, netip.AddrPortFrom(ip.Unmap(), nameserver.DefaultPort))
				}
			}
			for _, ap := range addrs {
				got, err := askEdge(ctx, ap, name, timeout)
				if err == nil {
					return got, nil
				}
				errs = append(errs, fmt.Errorf("%s (%s): %w", ns.Name, ap, err))
			}
		}
		if len(errs) == 0 {
			return nil, errors.New("no Cloudflare nameservers configured for the zone")
		}
		return nil, errors.Join(errs...)
	}
}

func askEdge(ctx context.Context, server netip.AddrPort, name string, timeout time.Duration) ([]netip.Addr, error) {
	c := &dns.Client{Timeout: timeout}
	var out []netip.Addr
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m := new(dns.Msg)
		m.SetQuestion(name, t)
		m.RecursionDesired = false
		r, _, err := c.ExchangeContext(ctx, m, net.JoinHostPort(server.Addr().String(), strconv.Itoa(int(server.Port()))))
		if err != nil {
			return nil, err
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
			return nil, fmt.Errorf("answer %s, authoritative %v", dns.RcodeToString[r.Rcode], r.Authoritative)
		}
		for _, rr := range r.Answer {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					out = append(out, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA); ok {
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

// FlattenApex replaces a CNAME at the zone's apex (which Cloudflare holds and answers
// flattened, but which no zone file can hold beside the SOA and NS) by the A and AAAA records
// Cloudflare's nameservers answer for the apex, with the CNAME's TTL (Cloudflare's automatic
// TTL, 300 s, for TTL 1). When those cannot be learnt it refuses, saying why, rather than
// writing a file twinzone would reject. sets is not modified.
func FlattenApex(ctx context.Context, origin string, sets []zone.RRset, edge EdgeLookup) ([]zone.RRset, error) {
	i := slices.IndexFunc(sets, func(s zone.RRset) bool { return s.Name == origin && s.Type == dns.TypeCNAME })
	if i < 0 {
		return sets, nil
	}
	cname := sets[i]
	target := ""
	if len(cname.Values) > 0 {
		target = cname.Values[0]
	}
	var addrs []netip.Addr
	err := errors.New("no way to ask Cloudflare's nameservers")
	if edge != nil {
		addrs, err = edge(ctx, origin)
		if err == nil && len(addrs) == 0 {
			err = errors.New("no A or AAAA records in the answer")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("apex of %s: Cloudflare holds a CNAME there (to %s), which it answers flattened; a zone file cannot hold a CNAME beside the SOA and NS, and the flattened addresses could not be read from Cloudflare's nameservers (%v): list the zone's Cloudflare nameservers with their addresses in the config, or replace the apex CNAME by A/AAAA records in Cloudflare",
			origin, target, err)
	}
	ttl := cname.TTL
	if ttl <= 1 {
		ttl = 300
	}
	out := slices.Delete(slices.Clone(sets), i, i+1)
	byType := map[uint16]*zone.RRset{}
	for _, a := range addrs {
		t := dns.TypeAAAA
		if a.Is4() {
			t = dns.TypeA
		}
		if byType[t] == nil {
			byType[t] = &zone.RRset{Name: origin, Type: t, TTL: ttl}
		}
		byType[t].Values = append(byType[t].Values, a.String())
	}
	for _, s := range byType {
		if slices.ContainsFunc(out, func(o zone.RRset) bool { return o.Key() == s.Key() }) {
			continue // Cloudflare refuses a CNAME beside them, so this does not happen
		}
		slices.Sort(s.Values)
		out = append(out, *s)
	}
	zone.Sort(out)
	return out, nil
}

// AutoTTL is what Cloudflare's automatic TTL (1 in its API) is in seconds, for proxied records
// and records set to "Auto" (Cloudflare's docs: 300 s).
const AutoTTL = 300

// ImportProxied gives the A, AAAA and CNAME RRsets of proxied names (whose TTL Cloudflare
// reports as 1, automatic) the TTL resolvers get from Cloudflare, 300 s, so that an imported
// zone file does not hand the other provider a 1-second TTL; a plan against Cloudflare ignores
// a proxied record's TTL, so it stays empty. sets is not modified.
func ImportProxied(sets []zone.RRset, proxiedNames []string) []zone.RRset {
	out := slices.Clone(sets)
	for i, s := range out {
		if proxiable(s.Type) && s.TTL == 1 && slices.Contains(proxiedNames, s.Name) {
			out[i].TTL = AutoTTL
		}
	}
	return out
}
