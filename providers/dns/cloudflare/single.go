package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	libcf "github.com/libdns/cloudflare"
	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// sendSingle applies each group with one request per record: old records are patched in place
// to new values (and TTLs), then extra values created, surplus deleted.
func (p *Provider) sendSingle(ctx context.Context, z zoneInfo, origin string, groups []group, whole func(zone.Key)) error {
	lib := &libcf.Provider{APIToken: p.cfg.APIToken, HTTPClient: p.c}
	recs := "/zones/" + url.PathEscape(z.ID) + "/dns_records"
	groups = deletesFirst(groups)
	for _, g := range groups {
		fail := func(err error) error { return fmt.Errorf("cloudflare: %s: %w", g.key, err) }
		for _, r := range g.patches {
			body := r
			body.ID = ""
			if _, err := p.c.do(ctx, http.MethodPatch, recs+"/"+url.PathEscape(r.ID), nil, body, nil); err != nil {
				return fail(err)
			}
		}
		for _, r := range g.posts {
			// libdns/cloudflare looks the zone up by name; use it only when this provider
			// did so too (no ZoneID), so a token without Zone:Read never trips over it.
			if libdnsTypes[g.key.Type] && r.Proxied == nil && p.cfg.ZoneID == "" {
				rr, err := libdnsRecord(g.key, origin, r)
				if err != nil {
					return fail(err)
				}
				if _, err := lib.AppendRecords(ctx, origin, []libdns.Record{rr}); err != nil {
					return fail(err)
				}
				continue
			}
			if _, err := p.c.do(ctx, http.MethodPost, recs, nil, r, nil); err != nil {
				return fail(err)
			}
		}
		for _, id := range g.deletes {
			if _, err := p.c.do(ctx, http.MethodDelete, recs+"/"+url.PathEscape(id), nil, nil, nil); err != nil {
				return fail(err)
			}
		}
		whole(g.key)
	}
	return nil
}

func libdnsRecord(k zone.Key, origin string, r record) (libdns.Record, error) {
	data := r.Content
	if k.Type != dns.TypeA && k.Type != dns.TypeAAAA {
		data = fqdn(data)
	}
	return libdns.RR{
		Name: libdns.RelativeName(k.Name, origin),
		TTL:  time.Duration(r.TTL) * time.Second,
		Type: zone.TypeString(k.Type),
		Data: data,
	}.Parse()
}
