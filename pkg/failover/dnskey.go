package failover

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// QueryDNSKEY returns a DNSKEYFunc that asks an address for zone's DNSKEY RRset over TCP
// (RD=0, EDNS with DO, so large key sets are not truncated) and requires an authoritative
// NOERROR answer. timeout bounds each query (default 5 s).
func QueryDNSKEY(timeout time.Duration) DNSKEYFunc {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return func(ctx context.Context, addr netip.AddrPort, zone string) ([]*dns.DNSKEY, error) {
		zone = dns.Fqdn(strings.ToLower(zone))
		m := new(dns.Msg)
		m.SetQuestion(zone, dns.TypeDNSKEY)
		m.RecursionDesired = false
		m.SetEdns0(4096, true)
		c := &dns.Client{Net: "tcp", Timeout: timeout}
		resp, _, err := c.ExchangeContext(ctx, m, addr.String())
		if err != nil {
			return nil, fmt.Errorf("DNSKEY %s @%s: %w", zone, addr, err)
		}
		if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative {
			return nil, fmt.Errorf("DNSKEY %s @%s: rcode %s, authoritative %v", zone, addr, dns.RcodeToString[resp.Rcode], resp.Authoritative)
		}
		var keys []*dns.DNSKEY
		for _, rr := range resp.Answer {
			if k, ok := rr.(*dns.DNSKEY); ok && strings.EqualFold(k.Hdr.Name, zone) {
				keys = append(keys, k)
			}
		}
		return keys, nil
	}
}
