package probe

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/miekg/dns"
)

// DNSKEY asks addr directly (RD=0, UDP then TCP when truncated) for the DNSKEY RRset of zone's
// apex and returns it; a reply without the AA bit, with another question or another rcode than
// NOERROR is an error. An authoritative empty answer returns no keys and no error. Its signature
// matches failover.DNSKEYFunc.
func (p *Prober) DNSKEY(ctx context.Context, addr netip.AddrPort, zone string) ([]*dns.DNSKEY, error) {
	zone = dns.CanonicalName(zone)
	r, _, reason, detail := p.query(ctx, Target{Addr: addr}, zone, dns.TypeDNSKEY, false)
	if reason != OK {
		return nil, fmt.Errorf("DNSKEY %s at %s: %s: %s", zone, addr, reason, detail)
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("DNSKEY %s at %s: rcode %s", zone, addr, rcodeName(r.Rcode))
	}
	var keys []*dns.DNSKEY
	for _, rr := range r.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && dns.CanonicalName(k.Hdr.Name) == zone {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
