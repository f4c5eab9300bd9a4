package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/nameserver"
)

// Resolver looks up the addresses of a host name.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// SystemResolver resolves through the system resolver (net.DefaultResolver).
func SystemResolver(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// AddrCache keeps the last resolved addresses of nameserver names, so that they are known when
// the provider's own domain is down. pkg/state's (*Store).AddrCache(zone) implements it.
type AddrCache interface {
	Addrs(name string) ([]netip.AddrPort, bool)
	SetAddrs(name string, addrs []netip.AddrPort) error
}

// Targets turns a provider's nameserver set into probe targets. Nameservers with configured
// addresses use them as they are. The others are resolved through p.Resolve (each lookup bounded
// by p.Timeout), on port 53, and the result is stored in cache; when the lookup fails or finds
// nothing, the cached addresses are used. cache may be nil. Targets returns every target it
// could build, plus an error naming the nameservers it found no address for (the provider then
// has fewer targets: callers decide whether that is fatal). Call it at start-up and now and then,
// not in every round.
func (p *Prober) Targets(ctx context.Context, provider string, set nameserver.Set, cache AddrCache) ([]Target, error) {
	resolve := p.Resolve
	if resolve == nil {
		resolve = SystemResolver
	}
	var out []Target
	var errs []error
	for _, ns := range set {
		name := dns.CanonicalName(ns.Name)
		addrs := ns.Addrs
		if len(addrs) == 0 {
			var err error
			addrs, err = p.resolveName(ctx, resolve, name, cache)
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		for _, a := range addrs {
			out = append(out, Target{Provider: provider, Nameserver: name, Addr: a})
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("provider %s: %w", provider, errors.Join(errs...))
	}
	return out, nil
}

func (p *Prober) resolveName(ctx context.Context, resolve Resolver, name string, cache AddrCache) ([]netip.AddrPort, error) {
	lctx, cancel := context.WithTimeout(ctx, p.timeout())
	ips, err := resolve(lctx, name)
	cancel()
	var addrs []netip.AddrPort
	seen := map[netip.Addr]bool{}
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsValid() || seen[ip] {
			continue
		}
		seen[ip] = true
		addrs = append(addrs, netip.AddrPortFrom(ip, nameserver.DefaultPort))
	}
	if err == nil && len(addrs) > 0 {
		if cache != nil {
			if cerr := cache.SetAddrs(name, addrs); cerr != nil {
				p.logger().Warn("cannot store nameserver addresses", "nameserver", name, "error", cerr)
			}
		}
		return addrs, nil
	}
	if err == nil {
		err = errors.New("no addresses")
	}
	if cache != nil {
		if cached, ok := cache.Addrs(name); ok {
			p.logger().Warn("nameserver lookup failed, using the last known addresses",
				"nameserver", name, "error", err, "addrs", len(cached))
			return cached, nil
		}
	}
	return nil, fmt.Errorf("resolve %s: %w (no cached addresses)", name, err)
}
