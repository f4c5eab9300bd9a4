// Package dnsimple is a twinzone provider for DNSimple (API v2), written against the API
// rather than through libdns/dnsimple v0.5.0, whose SetRecords turns a multi-value RRset into
// one record (it updates the first record of the name and type once per value), whose
// DeleteRecords deletes the first record whose name is like the given one whatever its value,
// and whose GetRecords reads only the first page.
//
//   - Records: the zone's records, page by page (100 per page), grouped into RRsets; MX and
//     SRV priorities come back into the value. The apex SOA and NS are DNSimple's system
//     records: read, never written.
//   - Apply: DNSimple changes one record per request, so an RRset is never replaced in one
//     step. Removed RRsets are deleted first (a CNAME may then replace other data); an
//     RRset that changes has its records patched in place, value for value, then the extra
//     new values created, then the extra old ones deleted: while it runs the RRset holds old
//     and new values, never none (internal/perrecord). A fresh listing before the changes gives
//     the record IDs; an RRset whose old values it lacks (pages shift while others write) is
//     looked up by name and type.
//   - Traits: TTL at least 60; the types below (DNSimple's others, such as ALIAS and URL,
//     are not DNS types twinzone writes).
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries the token.
package dnsimple

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
	"github.com/twinzone/twinzone/providers/dns/internal/perrecord"
)

// Defaults and limits.
const (
	DefaultEndpoint = "https://api.dnsimple.com/v2"
	MinTTL          = 60
	perPage         = 100
	maxPages        = 10000
)

// Types are the record types the adapter claims for DNSimple.
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeDS, dns.TypeMX, dns.TypeNAPTR,
	dns.TypeNS, dns.TypePTR, dns.TypeSRV, dns.TypeSSHFP, dns.TypeTXT}

// Config configures a DNSimple provider.
type Config struct {
	Token      string // an account or user API token
	Account    string // the account ID
	Endpoint   string // default DefaultEndpoint (the sandbox: https://api.sandbox.dnsimple.com/v2)
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is a DNSimple account's zones. It is safe for concurrent use.
type Provider struct {
	account string
	api     *jsonapi.Client
	log     *slog.Logger
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Unmanaged = (*Provider)(nil)
)

// privateTypes are DNSimple's own record types, keyed with private-use type codes (RFC 6895;
// ALIAS as PowerDNS numbers it) so that the plan can show them as unmanaged.
var privateTypes = map[string]uint16{"ALIAS": 65401, "URL": 65403, "POOL": 65404}

// New returns a provider for cfg; it makes no network call.
func New(cfg Config) (*Provider, error) {
	if cfg.Token == "" || cfg.Account == "" {
		return nil, errors.New("dnsimple: token and account are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	api := jsonapi.Hosted(strings.TrimSuffix(cfg.Endpoint, "/"), jsonapi.Header("Bearer", cfg.Token), cfg.HTTPClient, cfg.Logger)
	return &Provider{account: cfg.Account, api: api, log: api.Log}, nil
}

// Traits are DNSimple's limits.
func (p *Provider) Traits() plan.Traits {
	t := plan.Traits{MinTTL: MinTTL, Types: map[uint16]bool{}}
	for _, typ := range Types {
		t.Types[typ] = true
	}
	return t
}

type record struct {
	ID       int64  `json:"id,omitempty"`
	Name     string `json:"name"`
	Type     string `json:"type,omitempty"`
	Content  string `json:"content"`
	TTL      uint32 `json:"ttl"`
	Priority *int   `json:"priority,omitempty"`
	System   bool   `json:"system_record,omitempty"`
}

func errMsg(data []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &e)
	return e.Message
}

func (p *Provider) recordsPath(origin string) string {
	return "/" + url.PathEscape(p.account) + "/zones/" + url.PathEscape(strings.TrimSuffix(origin, ".")) + "/records"
}

// list reads every record of the zone.
func (p *Provider) list(ctx context.Context, origin string) ([]record, error) {
	var all []record
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		var rep struct {
			Data       []record `json:"data"`
			Pagination struct {
				TotalPages int `json:"total_pages"`
			} `json:"pagination"`
		}
		path := fmt.Sprintf("%s?page=%d&per_page=%d", p.recordsPath(origin), page, perPage)
		if _, err := p.api.Do(ctx, http.MethodGet, path, nil, &rep, errMsg); err != nil {
			return nil, err
		}
		all = append(all, rep.Data...)
		if page >= rep.Pagination.TotalPages {
			return all, nil
		}
	}
}

// value is a record's canonical value, its priority put back for MX and SRV.
func value(origin string, r record) (zone.Key, string, error) {
	name := origin
	if r.Name != "" {
		name = strings.ToLower(r.Name) + "." + origin
	}
	t, ok := dns.StringToType[strings.ToUpper(r.Type)]
	if !ok {
		return zone.Key{}, "", fmt.Errorf("type %q", r.Type)
	}
	content := r.Content
	switch {
	case (t == dns.TypeMX || t == dns.TypeSRV) && r.Priority != nil:
		content = strconv.Itoa(*r.Priority) + " " + content
	case t == dns.TypeTXT && !strings.HasPrefix(content, `"`):
		content = zone.TextToTXT(content) // stored as plain text: one string, split at 255
	}
	rr, err := zone.NewRR(name, r.TTL, t, content)
	if err != nil {
		return zone.Key{}, "", err
	}
	k, _, v := zone.FromRR(rr)
	return k, v, nil
}

// Records returns every RRset of the zone, the system SOA and apex NS included. Records of
// DNSimple's own types (ALIAS, URL, POOL) are reported by Unmanaged instead.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	recs, err := p.list(ctx, origin)
	if err != nil {
		return nil, fmt.Errorf("dnsimple: reading %s: %w", origin, err)
	}
	var g perrecord.Group
	for _, r := range recs {
		if _, known := dns.StringToType[strings.ToUpper(r.Type)]; !known {
			continue
		}
		k, v, err := value(origin, r)
		if err != nil {
			return nil, fmt.Errorf("dnsimple: %s: record %d (%s %q) does not parse: %w", origin, r.ID, r.Type, r.Content, err)
		}
		g.Add(k, r.TTL, v)
	}
	return g.Sets(), nil
}

// Unmanaged returns DNSimple's own record types in the zone (ALIAS, URL, POOL): served, or
// acted on, by DNSimple, and not twinzone's to write or delete.
func (p *Provider) Unmanaged(ctx context.Context, origin string) ([]provider.UnmanagedRRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	recs, err := p.list(p.api.Budget(ctx), origin)
	if err != nil {
		return nil, fmt.Errorf("dnsimple: reading %s: %w", origin, err)
	}
	seen := map[zone.Key]bool{}
	var out []provider.UnmanagedRRset
	for _, r := range recs {
		code, ok := privateTypes[strings.ToUpper(r.Type)]
		if !ok {
			continue
		}
		name := origin
		if r.Name != "" {
			name = strings.ToLower(r.Name) + "." + origin
		}
		k := zone.Key{Name: name, Type: code}
		if !seen[k] {
			seen[k] = true
			out = append(out, provider.UnmanagedRRset{Key: k, Reason: "a DNSimple " + strings.ToUpper(r.Type) + " record: DNSimple's own type, left alone"})
		}
	}
	return out, nil
}

// toRecord is the request body for one value of s.
func toRecord(origin string, s *zone.RRset, v string) record {
	r := record{Name: strings.TrimSuffix(strings.TrimSuffix(s.Name, origin), "."), Type: zone.TypeString(s.Type), Content: v, TTL: s.TTL}
	if s.Type == dns.TypeMX || s.Type == dns.TypeSRV {
		if prio, rest, ok := strings.Cut(v, " "); ok {
			if n, err := strconv.Atoi(prio); err == nil {
				r.Priority, r.Content = &n, rest
			}
		}
	}
	return r
}
