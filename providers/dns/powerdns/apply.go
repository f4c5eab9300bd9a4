package powerdns

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Apply sends the changes as PATCHes of at most MaxBody bytes each (one PATCH for any
// change set that fits), each applied by PowerDNS atomically. On error the PATCHes already
// sent stay applied and the rest are not sent; the error is a *provider.PartialError listing
// the changes of the PATCHes that succeeded.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.budget(ctx)
	id, err := p.zoneID(ctx, origin)
	if err != nil {
		return err
	}
	batches, err := p.batches(changes)
	if err != nil {
		return err
	}
	var done []plan.Change // the changes of the PATCHes that succeeded (provider.PartialError)
	for i, b := range batches {
		if err := ctx.Err(); err != nil {
			return provider.Partial(done, fmt.Errorf("powerdns: %s: %d of %d PATCHes sent: %w", origin, i, len(batches), err))
		}
		body, err := json.Marshal(struct {
			RRsets []rrset `json:"rrsets"`
		}{b.sets})
		if err != nil {
			return err
		}
		p.patch.Lock()
		err = p.do(ctx, http.MethodPatch, "/zones/"+url.PathEscape(id), body, nil)
		p.patch.Unlock()
		if err != nil {
			return provider.Partial(done, fmt.Errorf("powerdns: PATCH %d of %d for %s (%d RRsets, first %s; %d earlier changes applied): %w", i+1, len(batches), origin, len(b.sets), b.first, len(done), err))
		}
		done = append(done, b.changes...)
		p.log.Debug("powerdns: patched", "zone", origin, "rrsets", len(b.sets), "bytes", len(body))
	}
	return nil
}

type batch struct {
	sets    []rrset
	changes []plan.Change // those sets are made of
	size    int
	first   zone.Key
}

// batches groups the changes by encoded size. The changes of one owner name stay in one
// PATCH, and each PATCH lists its DELETEs first: PowerDNS checks a REPLACE against the data of
// the moment, so a CNAME that replaces an A and a TXT must come after both are deleted.
func (p *Provider) batches(changes []plan.Change) ([]batch, error) {
	var out []batch
	var cur batch
	lastName := ""
	for _, c := range changes {
		rs := toAPI(c)
		enc, err := json.Marshal(rs)
		if err != nil {
			return nil, err
		}
		if len(cur.sets) > 0 && rs.Name != lastName && cur.size+len(enc)+1 > p.cfg.MaxBody {
			out = append(out, cur)
			cur = batch{}
		}
		if len(cur.sets) == 0 {
			cur.first = c.Key()
		}
		cur.sets = append(cur.sets, rs)
		cur.changes = append(cur.changes, c)
		cur.size += len(enc) + 1
		lastName = rs.Name
	}
	if len(cur.sets) > 0 {
		out = append(out, cur)
	}
	for _, b := range out {
		slices.SortStableFunc(b.sets, func(x, y rrset) int {
			return cmp.Compare(boolInt(x.ChangeType != "DELETE"), boolInt(y.ChangeType != "DELETE"))
		})
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// toAPI writes one change as a REPLACE (the whole new RRset) or a DELETE.
func toAPI(c plan.Change) rrset {
	k := c.Key()
	rs := rrset{Name: k.Name, Type: zone.TypeString(k.Type), Records: []record{}}
	if c.New == nil {
		rs.ChangeType = "DELETE"
		return rs
	}
	rs.ChangeType, rs.TTL = "REPLACE", c.New.TTL
	for _, v := range c.New.Values {
		rs.Records = append(rs.Records, record{Content: content(c.New, v)})
	}
	return rs
}

// content is a value as PowerDNS parses it: the canonical presentation, except that SVCB and
// HTTPS parameters are unquoted (PowerDNS 4.7 refuses port="8443", wants port=8443).
func content(s *zone.RRset, v string) string {
	if s.Type != dns.TypeSVCB && s.Type != dns.TypeHTTPS {
		return v
	}
	rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
	if err != nil {
		return v // PowerDNS's 422 names it
	}
	var svcb *dns.SVCB
	switch r := rr.(type) {
	case *dns.SVCB:
		svcb = r
	case *dns.HTTPS:
		svcb = &r.SVCB
	default:
		return v
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(svcb.Priority)) + " " + svcb.Target)
	for _, kv := range svcb.Value {
		val := kv.String()
		if val == "" {
			b.WriteString(" " + kv.Key().String())
			continue
		}
		if strings.ContainsAny(val, " \t\"") {
			return v // needs quoting: keep miekg's form
		}
		b.WriteString(" " + kv.Key().String() + "=" + val)
	}
	return b.String()
}
