package hetzner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

type action struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Error  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Apply deletes, then writes, one RRset at a time, each write waited for.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	for _, deletes := range []bool{true, false} {
		for _, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("hetzner: %s: %w", origin, err)
			}
			if err := p.change(ctx, origin, c); err != nil {
				return fmt.Errorf("hetzner: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}

func (p *Provider) change(ctx context.Context, origin string, c plan.Change) error {
	k := c.Key()
	rel := strings.TrimSuffix(strings.TrimSuffix(k.Name, origin), ".")
	if rel == "" {
		rel = "@"
	}
	typ := zone.TypeString(k.Type)
	one := zonePath(origin) + "/rrsets/" + url.PathEscape(rel) + "/" + typ
	if c.New == nil {
		return p.write(ctx, http.MethodDelete, one, nil, true)
	}
	recs := make([]value, len(c.New.Values))
	for i, v := range c.New.Values {
		recs[i] = value{v}
	}
	ttl := c.New.TTL
	if c.Old == nil {
		return p.write(ctx, http.MethodPost, zonePath(origin)+"/rrsets", rrset{Name: rel, Type: typ, TTL: &ttl, Records: recs}, false)
	}
	if !sameValues(c.Old.Values, c.New.Values) {
		if err := p.write(ctx, http.MethodPost, one+"/actions/set_records", map[string]any{"records": recs}, false); err != nil {
			return err
		}
	}
	if c.Old.TTL != c.New.TTL {
		return p.write(ctx, http.MethodPost, one+"/actions/change_ttl", map[string]any{"ttl": ttl}, false)
	}
	return nil
}

func sameValues(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

// write sends one write and waits for its action; goneOK accepts 404 (a delete retried).
func (p *Provider) write(ctx context.Context, method, path string, body any, goneOK bool) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var rep struct {
		Action action `json:"action"`
	}
	_, err := p.api.Do(ctx, method, path, data, &rep, errMsg)
	var ae *jsonapi.Error
	if goneOK && errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	a := rep.Action
	for i := 0; a.Status == "running"; i++ {
		if i == actionPolls {
			return fmt.Errorf("action %d still running after %d reads", a.ID, actionPolls)
		}
		t := time.NewTimer(p.cfg.PollWait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for action %d: %w", a.ID, ctx.Err())
		case <-t.C:
		}
		var got struct {
			Action action `json:"action"`
		}
		if _, err := p.api.Do(ctx, http.MethodGet, fmt.Sprintf("/actions/%d", a.ID), nil, &got, errMsg); err != nil {
			return fmt.Errorf("reading action %d: %w", a.ID, err)
		}
		a = got.Action
	}
	if a.Status == "error" {
		msg := "failed"
		if a.Error != nil {
			msg = a.Error.Code + ": " + a.Error.Message
		}
		return fmt.Errorf("action %d: %s", a.ID, msg)
	}
	return nil
}
