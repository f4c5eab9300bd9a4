package digitalocean

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/perrecord"
)

// Apply makes the changes record by record (see the package doc). Every value is converted
// before the first request, so a value DigitalOcean cannot hold changes nothing. On error
// the requests already made stay applied and the rest are not sent.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	origin = strings.ToLower(dns.Fqdn(origin))
	for _, c := range changes {
		if c.New == nil {
			continue
		}
		for _, v := range c.New.Values {
			if _, err := toRecord(origin, c.New, v); err != nil {
				return fmt.Errorf("digitalocean: %s: %w (nothing written)", c.Key(), err)
			}
		}
	}
	ctx = p.api.Budget(ctx)
	recs, err := p.list(ctx, origin, "")
	if err != nil {
		return fmt.Errorf("digitalocean: reading %s before the changes: %w", origin, err)
	}
	have := index(origin, recs)
	for _, deletes := range []bool{true, false} {
		for _, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("digitalocean: %s: %w", origin, err)
			}
			old := have[c.Key()]
			if !perrecord.Holds(old, c.Old) {
				// The listing missed records (pages shift under concurrent writers).
				filter := "name=" + url.QueryEscape(strings.TrimSuffix(c.Key().Name, ".")) + "&type=" + zone.TypeString(c.Key().Type)
				recs, err := p.list(ctx, origin, filter)
				if err != nil {
					return fmt.Errorf("digitalocean: %s: %w", c.Key(), err)
				}
				old = index(origin, recs)[c.Key()]
			}
			if err := p.change(ctx, origin, c, old); err != nil {
				return fmt.Errorf("digitalocean: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}

func index(origin string, recs []record) map[zone.Key]map[string]perrecord.Existing {
	out := map[zone.Key]map[string]perrecord.Existing{}
	for _, r := range recs {
		if r.Type == "SOA" {
			continue
		}
		k, v, err := value(origin, r)
		if err != nil {
			continue // Records reports it
		}
		if out[k] == nil {
			out[k] = map[string]perrecord.Existing{}
		}
		out[k][v] = perrecord.Existing{ID: r.ID, TTL: r.TTL}
	}
	return out
}

func (p *Provider) change(ctx context.Context, origin string, c plan.Change, old map[string]perrecord.Existing) error {
	path := recordsPath(origin)
	id := func(n int64) string { return path + "/" + strconv.FormatInt(n, 10) }
	st := perrecord.Plan(old, c.New)
	send := func(method, path, v string) error {
		r, err := toRecord(origin, c.New, v)
		if err != nil {
			return err
		}
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = p.api.Do(ctx, method, path, body, nil, errMsg)
		return err
	}
	for _, r := range st.Replace {
		if err := send(http.MethodPut, id(r.ID), r.Value); err != nil {
			return err
		}
	}
	for _, v := range st.Create {
		if err := send(http.MethodPost, path, v); err != nil {
			return err
		}
	}
	for _, n := range st.Delete {
		if _, err := p.api.Do(ctx, http.MethodDelete, id(n), nil, nil, errMsg); err != nil {
			return err
		}
	}
	if len(st.Retime) > 0 {
		byID := map[int64]string{}
		for v, e := range old {
			byID[e.ID] = v
		}
		for _, n := range st.Retime {
			if err := send(http.MethodPut, id(n), byID[n]); err != nil {
				return err
			}
		}
	}
	return nil
}

// toRecord is the request body for one value of s.
func toRecord(origin string, s *zone.RRset, v string) (record, error) {
	r := record{Type: zone.TypeString(s.Type), Name: strings.TrimSuffix(strings.TrimSuffix(s.Name, origin), "."), TTL: s.TTL}
	if r.Name == "" {
		r.Name = "@"
	}
	rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
	if err != nil {
		return r, err
	}
	num := func(n int) *int { return &n }
	switch x := rr.(type) {
	case *dns.MX:
		r.Priority, r.Data = num(int(x.Preference)), x.Mx
	case *dns.SRV:
		r.Priority, r.Weight, r.Port, r.Data = num(int(x.Priority)), num(int(x.Weight)), num(int(x.Port)), x.Target
	case *dns.CAA:
		r.Flags, r.Tag = num(int(x.Flag)), x.Tag
		r.Data = x.Value
	case *dns.TXT:
		strs := zone.DecodeTXT(v)
		for i, s := range strs[:len(strs)-1] {
			if len(s) != 255 {
				return r, fmt.Errorf("TXT value %s: string %d of %d is %d bytes, so joining the strings (DigitalOcean keeps one) would change the value", v, i+1, len(strs), len(s))
			}
		}
		r.Data = strings.Join(strs, "")
		if !utf8.ValidString(r.Data) || strings.ContainsRune(r.Data, 0) {
			return r, fmt.Errorf("TXT value %s holds bytes DigitalOcean's JSON API cannot carry (invalid UTF-8 or NUL)", v)
		}
	default:
		r.Data = v
	}
	return r, nil
}
