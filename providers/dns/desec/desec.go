// Package desec is a twinzone provider for deSEC (desec.io), written against its RRset API
// rather than through libdns/desec v1.1.1, whose contract breaks a reconciler cannot work
// around from outside (see the README's libdns section): it cannot read a zone of more than
// 500 RRsets, reads a TXT record with a \ddd escape or several strings as an error or as
// other text, writes TXT as one string however long, talks only to desec.io through
// http.DefaultClient, and retries 429 without bound.
//
//   - Records: GET /domains/{name}/rrsets/, following deSEC's cursor pagination (500 per
//     page) when the zone is larger; SOA is not served by the API (deSEC keeps it).
//   - Apply: one bulk PUT of RRsets per change set (empty records deletes), which deSEC
//     validates and applies as a whole; a change set of more than MaxBatch RRsets is split,
//     never inside one owner name.
//   - deSEC's limits are traits: TTL between 3600 (the default minimum_ttl; MinTTL overrides)
//     and 86400 (Apply clamps into that range, as the plan does); apex NS is deSEC's own.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; 4xx are permanent. No error carries the token.
package desec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

// Defaults.
const (
	DefaultEndpoint = "https://desec.io/api/v1"
	DefaultMinTTL   = 3600
	MaxTTL          = 86400
	DefaultMaxBatch = 1000
	maxPages        = 10000 // 5,000,000 RRsets: a bound on a server that keeps sending "next"
)

// Config configures a deSEC provider.
type Config struct {
	Token    string // a deSEC API token
	Endpoint string // default DefaultEndpoint
	MinTTL   int    // the domain's minimum_ttl; default 3600
	MaxBatch int    // most RRsets per bulk PUT; default 1000
	// HTTPClient sends the requests; nil: a default client.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is a deSEC account's domains. It is safe for concurrent use.
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
		return nil, errors.New("desec: token is required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.MinTTL <= 0 {
		cfg.MinTTL = DefaultMinTTL
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	api := jsonapi.Hosted(strings.TrimSuffix(cfg.Endpoint, "/"), jsonapi.Header("Token", cfg.Token), cfg.HTTPClient, cfg.Logger)
	return &Provider{cfg: cfg, api: api, log: api.Log}, nil
}

// Traits are deSEC's limits.
func (p *Provider) Traits() plan.Traits {
	return plan.Traits{MinTTL: uint32(p.cfg.MinTTL), MaxTTL: MaxTTL}
}

type rrset struct {
	Subname string   `json:"subname"`
	Type    string   `json:"type"`
	TTL     uint32   `json:"ttl,omitempty"`
	Records []string `json:"records"`
}

// errMsg is the text of a deSEC error body: {"detail": ...}, or a list of per-RRset errors.
func errMsg(data []byte) string {
	var d struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(data, &d) == nil && d.Detail != "" {
		return d.Detail
	}
	return ""
}

func (p *Provider) do(ctx context.Context, method, path string, body []byte, out any) (*jsonapi.Reply, error) {
	return p.api.Do(ctx, method, path, body, out, errMsg)
}

func domainPath(z string) string {
	return "/domains/" + url.PathEscape(strings.TrimSuffix(strings.ToLower(dns.Fqdn(z)), ".")) + "/rrsets/"
}

var nextRE = regexp.MustCompile(`<([^>]*)>;\s*rel="(next|first)"`)

func link(h http.Header, rel string) string {
	for _, m := range nextRE.FindAllStringSubmatch(strings.Join(h.Values("Link"), ","), -1) {
		if m[2] == rel {
			return m[1]
		}
	}
	return ""
}

// Records returns every RRset of the zone deSEC serves (apex NS included; SOA is not in the
// API).
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	var all []rrset
	var page []rrset
	rep, err := p.do(ctx, http.MethodGet, domainPath(origin), nil, &page)
	var apiErr *jsonapi.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.Msg, "Pagination required"):
		next := domainPath(origin) + "?cursor="
		for i := 0; next != ""; i++ {
			if i == maxPages {
				return nil, fmt.Errorf("desec: %s: more than %d pages", origin, maxPages)
			}
			page = nil
			rep, err := p.do(ctx, http.MethodGet, next, nil, &page)
			if err != nil {
				return nil, fmt.Errorf("desec: reading %s: %w", origin, err)
			}
			all = append(all, page...)
			next = link(rep.Header, "next")
		}
	case err != nil:
		return nil, fmt.Errorf("desec: reading %s: %w", origin, err)
	default:
		_ = rep
		all = page
	}
	sets := make([]zone.RRset, 0, len(all))
	for _, rs := range all {
		name := origin
		if rs.Subname != "" {
			name = strings.ToLower(rs.Subname) + "." + origin
		}
		t, ok := dns.StringToType[strings.ToUpper(rs.Type)]
		if !ok {
			return nil, fmt.Errorf("desec: %s: RRset %s of unknown type %q", origin, name, rs.Type)
		}
		set := zone.RRset{Name: name, Type: t, TTL: rs.TTL}
		for _, v := range rs.Records {
			rr, err := zone.NewRR(name, rs.TTL, t, v)
			if err != nil {
				return nil, fmt.Errorf("desec: %s %s: record %q does not parse: %w", name, rs.Type, v, err)
			}
			_, _, cv := zone.FromRR(rr)
			set.Values = append(set.Values, cv)
		}
		if len(set.Values) > 0 {
			sets = append(sets, set)
		}
	}
	zone.Sort(sets)
	return sets, nil
}

// Apply sends the changes as bulk PUTs of at most MaxBatch RRsets (one for most change
// sets), each applied by deSEC as a whole. On error the PUTs already sent stay applied.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	var batch []rrset
	last := ""
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		body, err := json.Marshal(batch)
		if err != nil {
			return err
		}
		if _, err := p.do(ctx, http.MethodPut, domainPath(origin), body, nil); err != nil {
			return fmt.Errorf("desec: bulk PUT of %d RRsets to %s (first %s %s): %w", len(batch), origin, batch[0].Subname, batch[0].Type, err)
		}
		batch = batch[:0]
		return nil
	}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("desec: %s: %w", origin, err)
		}
		k := c.Key()
		sub := strings.TrimSuffix(strings.TrimSuffix(k.Name, origin), ".")
		if len(batch) >= p.cfg.MaxBatch && sub != last {
			if err := flush(); err != nil {
				return err
			}
		}
		rs := rrset{Subname: sub, Type: zone.TypeString(k.Type), Records: []string{}}
		if c.New != nil {
			// As the plan does with these traits: deSEC refuses a TTL outside its range.
			rs.TTL = min(max(c.New.TTL, uint32(p.cfg.MinTTL)), MaxTTL)
			rs.Records = c.New.Values
		}
		batch = append(batch, rs)
		last = sub
	}
	return flush()
}
