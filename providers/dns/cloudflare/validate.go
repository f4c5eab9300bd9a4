package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Cloudflare's limits (developers.cloudflare.com, DNS > DNS record types: "Each DNS record has
// a maximum wire format size of 4,096 bytes" and "If you have multiple records with the same
// name and type, their combined content length must not exceed 8,192 characters"), and its
// record quota per zone: 1,000 on the Free plan and 3,500 on paid plans (not documented in one
// place; Cloudflare's community answers quote these, and the API refuses creates past it).
const (
	MaxRecordWire     = 4096
	MaxContentPerName = 8192
	FreeRecordQuota   = 1000
	PaidRecordQuota   = 3500
)

var _ provider.Validator = (*Provider)(nil)

// quota is the zone record quota Validate holds plans to: Config.RecordQuota, else the Free
// plan's when the batch size is the Free plan's, else the paid plans'.
func (p *Provider) quota() int {
	switch {
	case p.cfg.RecordQuota > 0:
		return p.cfg.RecordQuota
	case p.cfg.BatchSize <= DefaultBatchSize:
		return FreeRecordQuota
	}
	return PaidRecordQuota
}

// Validate refuses, before anything is written, a plan Cloudflare would refuse part-way: a
// change Apply cannot make (type, TTL range, apex NS, a CNAME with several values), a record
// over 4,096 bytes in wire format, an RRset whose records' content totals more than 8,192
// characters, or a plan that would leave more records in the zone than its quota. The record
// count is the one of the latest listing (Records).
func (p *Provider) Validate(_ context.Context, origin string, pl *plan.Plan) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	var errs []error
	add := func(err error) bool {
		errs = append(errs, err)
		return len(errs) < 20
	}
	delta := 0
	for _, ch := range pl.Changes {
		if err := checkChanges(origin, p.cfg.MinTTL, []plan.Change{ch}); err != nil && !add(err) {
			break
		}
		if ch.Old != nil {
			delta -= len(ch.Old.Values)
		}
		if ch.New == nil {
			continue
		}
		delta += len(ch.New.Values)
		if err := checkSizes(*ch.New); err != nil && !add(err) {
			break
		}
	}
	p.st.mu.Lock()
	before, listed := p.st.counts[origin]
	p.st.mu.Unlock()
	if q := p.quota(); listed && delta > 0 && before+delta > q {
		errs = append(errs, fmt.Errorf("cloudflare: %s: the plan would leave %d records in the zone (%d now, %+d), over its quota of %d; raise record_quota if the plan allows more, or remove records",
			origin, before+delta, before, delta, q))
	}
	return errors.Join(errs...)
}

// checkSizes applies the per-record and per-RRset limits to s as it would be sent.
func checkSizes(s zone.RRset) error {
	total := 0
	for _, v := range s.Values {
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
		if err != nil {
			return fmt.Errorf("cloudflare: %s: value %q: %w", s.Key(), v, err)
		}
		if n := dns.Len(rr); n > MaxRecordWire {
			return fmt.Errorf("cloudflare: %s: a record of %d bytes in wire format; Cloudflare takes at most %d", s.Key(), n, MaxRecordWire)
		}
		total += len(strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	if total > MaxContentPerName {
		return fmt.Errorf("cloudflare: %s: its records' content totals %d characters; Cloudflare takes at most %d per name and type", s.Key(), total, MaxContentPerName)
	}
	return nil
}
