package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// Records transfers the zone (AXFR, signed when a key is configured) and returns its RRsets in
// canonical form, SOA and apex NS included. When RRs of one RRset carry different TTLs, the
// lowest is reported.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	what := fmt.Sprintf("rfc2136: AXFR %s from %s", origin, p.server)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	conn, stop, err := p.dial(ctx)
	if err != nil {
		return nil, netError(ctx, what, err)
	}
	defer stop()
	defer conn.Close()

	q := new(dns.Msg)
	q.SetAxfr(origin)
	p.sign(q)
	tr := &dns.Transfer{Conn: conn, ReadTimeout: p.timeout, WriteTimeout: p.timeout, TsigSecret: p.secret}
	ch, err := tr.In(q, p.server)
	if err != nil {
		return nil, netError(ctx, what, err)
	}
	var rrs []dns.RR
	var xerr error
	for env := range ch { // drain fully so the transfer goroutine ends
		if env.Error != nil && xerr == nil {
			xerr = env.Error
		}
		if xerr == nil {
			rrs = append(rrs, env.RR...)
		}
	}
	if xerr != nil {
		if strings.Contains(xerr.Error(), "xfr rcode") || errors.Is(xerr, dns.ErrSoa) {
			return nil, fmt.Errorf("%s: %w", what, xerr)
		}
		return nil, netError(ctx, what, xerr)
	}
	if n := len(rrs); n > 1 && rrs[n-1].Header().Rrtype == dns.TypeSOA {
		rrs = rrs[:n-1] // AXFR ends with the SOA again
	}
	return group(rrs), nil
}

// group converts records to canonical RRsets, sorted with zone.Sort.
func group(rrs []dns.RR) []zone.RRset {
	idx := map[zone.Key]int{}
	var sets []zone.RRset
	for _, rr := range rrs {
		switch rr.Header().Rrtype {
		case dns.TypeTSIG, dns.TypeOPT:
			continue
		}
		k, ttl, v := zone.FromRR(rr)
		i, ok := idx[k]
		if !ok {
			idx[k] = len(sets)
			sets = append(sets, zone.RRset{Name: k.Name, Type: k.Type, TTL: ttl})
			i = len(sets) - 1
		}
		if ttl < sets[i].TTL {
			sets[i].TTL = ttl
		}
		sets[i].Values = append(sets[i].Values, v)
	}
	zone.Sort(sets)
	return sets
}
