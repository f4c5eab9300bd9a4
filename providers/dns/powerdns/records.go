package powerdns

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// pdnsTypes are PowerDNS's private record types and their codes (PowerDNS's qtype.hh).
var pdnsTypes = map[string]uint16{"ALIAS": 65401, "LUA": 65402}

// rrset is an RRset as the API writes it.
type rrset struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	TTL        uint32   `json:"ttl"`
	ChangeType string   `json:"changetype,omitempty"`
	Records    []record `json:"records"`
}

type record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// read returns the zone's RRsets: the ones twinzone can manage, and the others with a reason.
func (p *Provider) read(ctx context.Context, origin string) ([]zone.RRset, []provider.UnmanagedRRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.budget(ctx)
	id, err := p.zoneID(ctx, origin)
	if err != nil {
		return nil, nil, err
	}
	var z struct {
		RRsets []rrset `json:"rrsets"`
	}
	if err := p.do(ctx, http.MethodGet, "/zones/"+url.PathEscape(id), nil, &z); err != nil {
		return nil, nil, fmt.Errorf("powerdns: reading zone %s: %w", origin, err)
	}
	var sets []zone.RRset
	var skip []provider.UnmanagedRRset
	for _, rs := range z.RRsets {
		name := strings.ToLower(dns.Fqdn(rs.Name))
		t, known := dns.StringToType[strings.ToUpper(rs.Type)]
		if !known {
			// PowerDNS-only types: reported with PowerDNS's own type codes, left alone.
			if code, ok := pdnsTypes[strings.ToUpper(rs.Type)]; ok {
				skip = append(skip, provider.UnmanagedRRset{Key: zone.Key{Name: name, Type: code},
					Reason: rs.Type + " is a PowerDNS-only record type: twinzone leaves it alone"})
			}
			continue
		}
		key := zone.Key{Name: name, Type: t}
		set := zone.RRset{Name: name, Type: t, TTL: rs.TTL}
		reason := ""
		for _, r := range rs.Records {
			if r.Disabled {
				reason = "holds a disabled record (PowerDNS keeps it unserved): edit it in PowerDNS"
				break
			}
			rr, err := zone.NewRR(name, rs.TTL, t, r.Content)
			if err != nil {
				reason = fmt.Sprintf("record %q does not parse: %v", r.Content, err)
				break
			}
			_, _, v := zone.FromRR(rr)
			set.Values = append(set.Values, v)
		}
		if reason != "" {
			skip = append(skip, provider.UnmanagedRRset{Key: key, Reason: reason})
			continue
		}
		if len(set.Values) == 0 {
			continue // an RRset of comments only
		}
		sets = append(sets, set)
	}
	zone.Sort(sets)
	return sets, skip, nil
}

// Records returns every RRset the server serves for the zone, SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	sets, _, err := p.read(ctx, origin)
	return sets, err
}

// Unmanaged returns the RRsets twinzone must leave alone: those holding disabled records or
// records that do not parse.
func (p *Provider) Unmanaged(ctx context.Context, origin string) ([]provider.UnmanagedRRset, error) {
	_, skip, err := p.read(ctx, origin)
	return skip, err
}
