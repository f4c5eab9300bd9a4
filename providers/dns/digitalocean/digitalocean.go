// Package digitalocean is a twinzone provider for DigitalOcean's DNS (API v2), written
// against the API rather than through libdns/digitalocean, which is built on the libdns v0
// API and does not compile against libdns v1.
//
//   - Records: the domain's records, 200 per page, following links.pages.next; MX, SRV and
//     CAA carry their numbers and tag in fields of their own, which are put back into the
//     value. Hostnames in "data" are absolute when they end with a dot, "@" is the apex, and
//     others are taken relative to the zone (as in a zone file).
//   - Apply: one record per request (internal/perrecord): removed RRsets deleted first, a
//     changed RRset rewritten in place value for value, then extra values created, extra old
//     ones deleted; never empty, not atomic.
//   - Traits: DigitalOcean's types (A, AAAA, CAA, CNAME, MX, NS, SRV, TXT), TTL at least 30;
//     apex NS and SOA are DigitalOcean's. TXT data is one JSON string: a value whose
//     character-strings cannot be joined without changing it ("two" "strings"), or that holds
//     bytes JSON cannot carry (invalid UTF-8, NUL), is refused before any request.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries the token.
package digitalocean

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
	DefaultEndpoint = "https://api.digitalocean.com"
	MinTTL          = 30
	perPage         = 200
	maxPages        = 10000
)

// Types are DigitalOcean's record types twinzone writes.
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeMX, dns.TypeNS, dns.TypeSRV, dns.TypeTXT}

// Config configures a DigitalOcean provider.
type Config struct {
	Token      string // a personal access token with domain read and write scopes
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is a DigitalOcean account's domains. It is safe for concurrent use.
type Provider struct {
	api *jsonapi.Client
	log *slog.Logger
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
)

// New returns a provider for cfg; it makes no network call.
func New(cfg Config) (*Provider, error) {
	if cfg.Token == "" {
		return nil, errors.New("digitalocean: token is required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	api := jsonapi.Hosted(strings.TrimSuffix(cfg.Endpoint, "/")+"/v2", jsonapi.Header("Bearer", cfg.Token), cfg.HTTPClient, cfg.Logger)
	return &Provider{api: api, log: api.Log}, nil
}

// Traits are DigitalOcean's limits.
func (p *Provider) Traits() plan.Traits {
	t := plan.Traits{MinTTL: MinTTL, Types: map[uint16]bool{}}
	for _, typ := range Types {
		t.Types[typ] = true
	}
	return t
}

type record struct {
	ID       int64  `json:"id,omitempty"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Data     string `json:"data"`
	Priority *int   `json:"priority"`
	Port     *int   `json:"port"`
	TTL      uint32 `json:"ttl"`
	Weight   *int   `json:"weight"`
	Flags    *int   `json:"flags"`
	Tag      string `json:"tag,omitempty"`
}

func errMsg(data []byte) string {
	var e struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) != nil || e.Message == "" {
		return ""
	}
	return e.ID + ": " + e.Message
}

func recordsPath(origin string) string {
	return "/domains/" + url.PathEscape(strings.TrimSuffix(origin, ".")) + "/records"
}

// list reads the records of the zone; filter ("name=...&type=...") narrows them.
func (p *Provider) list(ctx context.Context, origin, filter string) ([]record, error) {
	var all []record
	next := fmt.Sprintf("%s?per_page=%d", recordsPath(origin), perPage)
	if filter != "" {
		next += "&" + filter
	}
	for page := 0; next != ""; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		var rep struct {
			Records []record `json:"domain_records"`
			Links   struct {
				Pages struct {
					Next string `json:"next"`
				} `json:"pages"`
			} `json:"links"`
		}
		if _, err := p.api.Do(ctx, http.MethodGet, next, nil, &rep, errMsg); err != nil {
			return nil, err
		}
		all = append(all, rep.Records...)
		next = rep.Links.Pages.Next
	}
	return all, nil
}

// host makes a hostname in data absolute.
func host(origin, h string) string {
	switch {
	case h == "@" || h == "":
		return origin
	case strings.HasSuffix(h, "."):
		return h
	}
	return h + "." + origin
}

func itoa(p *int) string {
	if p == nil {
		return "0"
	}
	return strconv.Itoa(*p)
}

// value is a record's canonical value.
func value(origin string, r record) (zone.Key, string, error) {
	name := origin
	if r.Name != "@" && r.Name != "" {
		name = strings.ToLower(r.Name) + "." + origin
	}
	t, ok := dns.StringToType[strings.ToUpper(r.Type)]
	if !ok {
		return zone.Key{}, "", fmt.Errorf("type %q", r.Type)
	}
	var text string
	switch t {
	case dns.TypeCNAME, dns.TypeNS:
		text = host(origin, r.Data)
	case dns.TypeMX:
		text = itoa(r.Priority) + " " + host(origin, r.Data)
	case dns.TypeSRV:
		text = itoa(r.Priority) + " " + itoa(r.Weight) + " " + itoa(r.Port) + " " + host(origin, r.Data)
	case dns.TypeCAA:
		text = itoa(r.Flags) + " " + r.Tag + " " + zone.QuoteTXT([]string{r.Data})
	case dns.TypeTXT:
		text = zone.TextToTXT(r.Data)
	default:
		text = r.Data
	}
	rr, err := zone.NewRR(name, r.TTL, t, text)
	if err != nil {
		return zone.Key{}, "", err
	}
	k, _, v := zone.FromRR(rr)
	return k, v, nil
}

// Records returns every RRset of the zone, its SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	recs, err := p.list(ctx, origin, "")
	if err != nil {
		return nil, fmt.Errorf("digitalocean: reading %s: %w", origin, err)
	}
	var g perrecord.Group
	for _, r := range recs {
		if r.Type == "SOA" {
			continue // DigitalOcean's SOA "data" is not an SOA's RDATA
		}
		k, v, err := value(origin, r)
		if err != nil {
			return nil, fmt.Errorf("digitalocean: %s: record %d (%s %q) does not parse: %w", origin, r.ID, r.Type, r.Data, err)
		}
		g.Add(k, r.TTL, v)
	}
	return g.Sets(), nil
}
