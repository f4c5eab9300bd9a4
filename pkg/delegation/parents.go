package delegation

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ParentsConfig says how ParentServers finds where a zone's delegation is published.
type ParentsConfig struct {
	// Server is the rfc2136 registrar's server ("ip", "ip:port" or "host:port"); when set it is
	// the parent server, since twinzone changes the delegation there.
	Server string
	// Resolve turns a host name into addresses (required unless Server is an address).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// LookupNS returns the NS names of a zone; nil: the system resolver.
	LookupNS func(ctx context.Context, zone string) ([]string, error)
	// Cache, when set, keeps the addresses found, for when the lookup fails later (the parent's
	// nameservers are rarely down, but the local resolver may be).
	Cache interface {
		Addrs(name string) ([]netip.AddrPort, bool)
		SetAddrs(name string, addrs []netip.AddrPort) error
	}
	// Timeout bounds the lookups; default 10 s.
	Timeout time.Duration
}

// ParentServers finds the servers that publish zone's delegation: cfg.Server when set (the
// rfc2136 registrar's server), otherwise the nameservers of the parent zone (zone without its
// first label) on port 53, found through the system resolver. It is the one place that decides
// which parent twinzone reads: `run`, `status`, `failover` and `check` all judge the same one.
func ParentServers(ctx context.Context, zone string, cfg ParentsConfig) (out []netip.AddrPort, _ error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if cfg.Server != "" {
		ap, err := hostPort(lctx, cfg.Server, cfg.Resolve)
		if err != nil {
			return nil, fmt.Errorf("registrar server %s: %w", cfg.Server, err)
		}
		return ap, nil
	}
	parent := "."
	if z := strings.TrimSuffix(zone, "."); strings.Contains(z, ".") {
		parent = z[strings.IndexByte(z, '.')+1:] + "."
	}
	key := "_parent." + parent
	lookup := cfg.LookupNS
	if lookup == nil {
		lookup = systemNS
	}
	nss, err := lookup(lctx, parent)
	if err != nil {
		if cfg.Cache != nil {
			if cached, ok := cfg.Cache.Addrs(key); ok {
				return cached, nil
			}
		}
		return nil, fmt.Errorf("look up the NS of the parent zone %s: %w", parent, err)
	}
	if cfg.Resolve == nil {
		return nil, fmt.Errorf("parent servers: no resolver")
	}
	for _, ns := range nss {
		ips, err := cfg.Resolve(lctx, ns)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			out = append(out, netip.AddrPortFrom(ip.Unmap(), 53))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address for the nameservers of the parent zone %s", parent)
	}
	if cfg.Cache != nil {
		_ = cfg.Cache.SetAddrs(key, out)
	}
	return out, nil
}

func systemNS(ctx context.Context, zone string) ([]string, error) {
	nss, err := net.DefaultResolver.LookupNS(ctx, zone)
	out := make([]string, 0, len(nss))
	for _, ns := range nss {
		out = append(out, ns.Host)
	}
	return out, err
}

// hostPort parses "ip:port", "ip", "[v6]:port", or "host[:port]" (resolved).
func hostPort(ctx context.Context, s string, resolve func(ctx context.Context, host string) ([]netip.Addr, error)) ([]netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return []netip.AddrPort{ap}, nil
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip, 53)}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = s, "53"
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port in %q", s)
	}
	if resolve == nil {
		return nil, fmt.Errorf("cannot resolve %s: no resolver", host)
	}
	ips, err := resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var out []netip.AddrPort
	for _, ip := range ips {
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(p)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address for %s", host)
	}
	return out, nil
}
