package dnsimple

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// existing is one record on DNSimple, by canonical value.
type existing struct {
	id  int64
	ttl uint32
}

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
	have := map[zone.Key]map[string]existing{}
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
			have[k] = map[string]existing{}
		}
		have[k][v] = existing{id: r.ID, ttl: r.TTL}
	}
	for _, deletes := range []bool{true, false} {
		for _, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("dnsimple: %s: %w", origin, err)
			}
			if err := p.change(ctx, origin, c, have[c.Key()]); err != nil {
				return fmt.Errorf("dnsimple: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}

// change brings one RRset from the records in old to c.New.
func (p *Provider) change(ctx context.Context, origin string, c plan.Change, old map[string]existing) error {
	path := p.recordsPath(origin)
	var keep, gone []existing
	var add []string
	if c.New != nil {
		for _, v := range c.New.Values {
			if e, ok := old[v]; ok {
				keep = append(keep, e)
			} else {
				add = append(add, v)
			}
		}
	}
	for v, e := range old {
		if c.New == nil || !slices.Contains(c.New.Values, v) {
			gone = append(gone, e)
		}
	}
	// Patch in place, value for value: no moment without the RRset.
	for len(add) > 0 && len(gone) > 0 {
		body, _ := json.Marshal(toRecord(origin, c.New, add[0]))
		if _, err := p.api.Do(ctx, http.MethodPatch, path+"/"+strconv.FormatInt(gone[0].id, 10), body, nil, errMsg); err != nil {
			return err
		}
		add, gone = add[1:], gone[1:]
	}
	for _, v := range add {
		body, _ := json.Marshal(toRecord(origin, c.New, v))
		if _, err := p.api.Do(ctx, http.MethodPost, path, body, nil, errMsg); err != nil {
			return err
		}
	}
	for _, e := range gone {
		if _, err := p.api.Do(ctx, http.MethodDelete, path+"/"+strconv.FormatInt(e.id, 10), nil, nil, errMsg); err != nil {
			return err
		}
	}
	if c.New != nil {
		for _, e := range keep {
			if e.ttl == c.New.TTL {
				continue
			}
			body, _ := json.Marshal(struct {
				TTL uint32 `json:"ttl"`
			}{c.New.TTL})
			if _, err := p.api.Do(ctx, http.MethodPatch, path+"/"+strconv.FormatInt(e.id, 10), body, nil, errMsg); err != nil {
				return err
			}
		}
	}
	return nil
}
