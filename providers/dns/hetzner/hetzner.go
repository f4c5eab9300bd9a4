// Package hetzner is a twinzone provider for Hetzner DNS through the Hetzner Cloud API (/v1,
// zones and RRsets), written against the API rather than through libdns/hetzner v0.0.1, which
// is built on the libdns v0 API (it does not compile against libdns v1) and targets the old
// dns.hetzner.com API.
//
//   - Records: the zone's RRsets, page by page (100 per page); an RRset without a TTL of its
//     own has the zone's default (read as 0 here: see Traits).
//   - Apply: per RRset: create (POST rrsets), replace every record at once (set_records
//     action), change the TTL (change_ttl action), delete (DELETE); removed RRsets first, so a
//     CNAME can replace other data. Each write is an action, waited for until it succeeds
//     (bounded). Values and TTL of one RRset are two actions: in between it holds the new
//     values with the old TTL. There is no multi-RRset transaction.
//   - Apex NS and SOA are Hetzner's. TXT is written as zone-file strings of at most 255 bytes.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries the token.
package hetzner

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
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

// Defaults.
const (
	DefaultEndpoint = "https://api.hetzner.cloud/v1"
	MinTTL          = 60
	maxPages        = 10000
	actionPolls     = 120
)

// Config configures a Hetzner provider.
type Config struct {
	Token      string // a Hetzner Cloud project API token (read & write)
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
	Logger     *slog.Logger
	PollWait   time.Duration // between reads of a running action; default 500 ms
}

// Provider is a Hetzner Cloud project's DNS zones. It is safe for concurrent use.
type Provider struct {
	cfg Config
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
		return nil, errors.New("hetzner: token is required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = 500 * time.Millisecond
	}
	api := jsonapi.Hosted(strings.TrimSuffix(cfg.Endpoint, "/"), jsonapi.Header("Bearer", cfg.Token), cfg.HTTPClient, cfg.Logger)
	return &Provider{cfg: cfg, api: api, log: api.Log}, nil
}

// Traits: TTL at least 60.
func (p *Provider) Traits() plan.Traits { return plan.Traits{MinTTL: MinTTL} }

type value struct {
	Value string `json:"value"`
}

type rrset struct {
	Name    string  `json:"name"`
	Type    string  `json:"type"`
	TTL     *uint32 `json:"ttl"`
	Records []value `json:"records"`
}

func errMsg(data []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return ""
	}
	return e.Error.Code + ": " + e.Error.Message
}

func zonePath(origin string) string {
	return "/zones/" + url.PathEscape(strings.TrimSuffix(origin, "."))
}

// Records returns every RRset of the zone, SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	var sets []zone.RRset
	for page := 1; page != 0; {
		if page > maxPages {
			return nil, fmt.Errorf("hetzner: %s: more than %d pages", origin, maxPages)
		}
		var rep struct {
			RRsets []rrset `json:"rrsets"`
			Meta   struct {
				Pagination struct {
					NextPage *int `json:"next_page"`
				} `json:"pagination"`
			} `json:"meta"`
		}
		path := zonePath(origin) + "/rrsets?per_page=100&page=" + strconv.Itoa(page)
		if _, err := p.api.Do(ctx, http.MethodGet, path, nil, &rep, errMsg); err != nil {
			return nil, fmt.Errorf("hetzner: reading %s: %w", origin, err)
		}
		for _, rs := range rep.RRsets {
			t, ok := dns.StringToType[strings.ToUpper(rs.Type)]
			if !ok {
				continue
			}
			name := origin
			if rs.Name != "@" {
				name = strings.ToLower(rs.Name) + "." + origin
			}
			var ttl uint32
			if rs.TTL != nil {
				ttl = *rs.TTL
			}
			set := zone.RRset{Name: name, Type: t, TTL: ttl}
			for _, v := range rs.Records {
				rr, err := zone.NewRR(name, ttl, t, v.Value)
				if err != nil {
					return nil, fmt.Errorf("hetzner: %s %s: %q does not parse: %w", name, rs.Type, v.Value, err)
				}
				_, _, cv := zone.FromRR(rr)
				set.Values = append(set.Values, cv)
			}
			if len(set.Values) > 0 {
				sets = append(sets, set)
			}
		}
		page = 0
		if n := rep.Meta.Pagination.NextPage; n != nil {
			page = *n
		}
	}
	zone.Sort(sets)
	return sets, nil
}
