// Package nameserver holds the names and addresses of a provider's authoritative servers for a
// zone, as written in twinzone.yaml ("name." or "name.=addr[,addr]").
package nameserver

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// DefaultPort is the DNS port used when an address has none.
const DefaultPort = 53

// Nameserver is one authoritative server: its name and, if known, the addresses to probe.
type Nameserver struct {
	Name  string           // absolute, lower-case
	Addrs []netip.AddrPort // may be empty: resolve the name (and keep the result in state)
}

// Set is the NS set of one provider for one zone.
type Set []Nameserver

// Names returns the names of the set, in order.
func (s Set) Names() []string {
	out := make([]string, len(s))
	for i, n := range s {
		out[i] = n.Name
	}
	return out
}

// Parse reads "name." or "name.=addr[,addr]", where addr is ip, ip:port or [v6]:port.
func Parse(s string) (Nameserver, error) {
	name, addrs, hasAddrs := strings.Cut(strings.TrimSpace(s), "=")
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return Nameserver{}, fmt.Errorf("nameserver %q: empty name", s)
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return Nameserver{}, fmt.Errorf("nameserver %q: %q is not a domain name", s, name)
	}
	if !dns.IsFqdn(name) {
		return Nameserver{}, fmt.Errorf("nameserver %q: name must be absolute (end with a dot)", s)
	}
	ns := Nameserver{Name: name}
	if !hasAddrs {
		return ns, nil
	}
	for _, a := range strings.Split(addrs, ",") {
		ap, err := ParseAddr(strings.TrimSpace(a))
		if err != nil {
			return Nameserver{}, fmt.Errorf("nameserver %q: %w", s, err)
		}
		ns.Addrs = append(ns.Addrs, ap)
	}
	return ns, nil
}

// ParseAddr reads ip, ip:port or [v6]:port; the port defaults to 53.
func ParseAddr(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: want ip, ip:port or [v6]:port", s)
	}
	return netip.AddrPortFrom(a, DefaultPort), nil
}

// String renders the nameserver in config syntax.
func (n Nameserver) String() string {
	if len(n.Addrs) == 0 {
		return n.Name
	}
	parts := make([]string, len(n.Addrs))
	for i, a := range n.Addrs {
		if a.Port() == DefaultPort {
			parts[i] = a.Addr().String()
		} else {
			parts[i] = a.String()
		}
	}
	return n.Name + "=" + strings.Join(parts, ",")
}
