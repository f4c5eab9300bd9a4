package dnsimple

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/perrecord"
)

// Apply makes the changes record by record (see the package doc). On error the requests
// already made stay applied and the rest are not sent; a fresh plan converges.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	recs, err := p.list(ctx, origin)
	if err != nil {
		return fmt.Errorf("dnsimple: reading %s before the changes: %w", origin, err)
	}
	have := map[zone.Key]map[string]perrecord.Existing{}
	for _, r := range recs {
		if r.System {
			continue
		}
		if _, known := dns.StringToType[strings.ToUpper(r.Type)]; !known {
			continue
		}
		k, v, err := value(origin, r)
		if err != nil {
			continue // Records reports it
		}
		if have[k] == nil {
			have[k] = map[string]perrecord.Existing{}
		}
		have[k][v] = perrecord.Existing{ID: r.ID, TTL: r.TTL}
	}
	for _, deletes := range []bool{true, false} {
		for _, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("dnsimple: %s: %w", origin, err)
			}
			old := have[c.Key()]
			if !perrecord.Holds(old, c.Old) {
				// The listing missed records (pages shift under concurrent writers):
				// ask for this name and type alone.
				if old, err = p.lookup(ctx, origin, c.Key()); err != nil {
					return fmt.Errorf("dnsimple: %s: %w", c.Key(), err)
				}
			}
			if err := p.change(ctx, origin, c, old); err != nil {
				return fmt.Errorf("dnsimple: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}

// change brings one RRset from the records in old to c.New (see perrecord).
func (p *Provider) change(ctx context.Context, origin string, c plan.Change, old map[string]perrecord.Existing) error {
	path := p.recordsPath(origin)
	id := func(n int64) string { return path + "/" + strconv.FormatInt(n, 10) }
	st := perrecord.Plan(old, c.New)
	for _, r := range st.Replace {
		body, _ := json.Marshal(toRecord(origin, c.New, r.Value))
		if _, err := p.api.Do(ctx, http.MethodPatch, id(r.ID), body, nil, errMsg); err != nil {
			return err
		}
	}
	for _, v := range st.Create {
		body, _ := json.Marshal(toRecord(origin, c.New, v))
		if _, err := p.api.Do(ctx, http.MethodPost, path, body, nil, errMsg); err != nil {
			return err
		}
	}
	for _, n := range st.Delete {
		if _, err := p.api.Do(ctx, http.MethodDelete, id(n), nil, nil, errMsg); err != nil {
			return err
		}
	}
	for _, n := range st.Retime {
		body, _ := json.Marshal(struct {
			TTL uint32 `json:"ttl"`
		}{c.New.TTL})
		if _, err := p.api.Do(ctx, http.MethodPatch, id(n), body, nil, errMsg); err != nil {
			return err
		}
	}
	return nil
}

// holds reports whether the records in have include every value of want (nil: none needed).
// lookup reads the records of one name and type.
func (p *Provider) lookup(ctx context.Context, origin string, k zone.Key) (map[string]perrecord.Existing, error) {
	var rep struct {
		Data []record `json:"data"`
	}
	name := strings.TrimSuffix(strings.TrimSuffix(k.Name, origin), ".")
	path := p.recordsPath(origin) + "?name=" + url.QueryEscape(name) + "&type=" + url.QueryEscape(zone.TypeString(k.Type)) + "&per_page=100"
	if _, err := p.api.Do(ctx, http.MethodGet, path, nil, &rep, errMsg); err != nil {
		return nil, err
	}
	out := map[string]perrecord.Existing{}
	for _, r := range rep.Data {
		if _, v, err := value(origin, r); err == nil && !r.System {
			out[v] = perrecord.Existing{ID: r.ID, TTL: r.TTL}
		}
	}
	return out, nil
}
