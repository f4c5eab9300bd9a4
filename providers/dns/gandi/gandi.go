// Package gandi is a twinzone provider for Gandi LiveDNS (API v5), written against the API
// rather than through libdns/gandi v1.0.4, which is built on the libdns v0 API and does not
// compile against libdns v1.
//
//   - Records: one GET of the domain's records as a zone file (Accept: text/plain), which is
//     the whole zone by definition (no pagination to get wrong), parsed with miekg/dns; lines
//     of Gandi-only types (ALIAS) are left out.
//   - Apply: one request per RRset: PUT /domains/{fqdn}/records/{name}/{type} with every value
//     (LiveDNS replaces that RRset as a whole), DELETE for a removed RRset (an RRset already
//     gone counts as deleted, so a retried apply converges). Deletes go first, so a CNAME can
//     replace other data at a name. There is no multi-RRset transaction.
//   - Gandi's limits are traits: TTL 300..2592000; apex NS is Gandi's.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries the token.
package gandi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
	DefaultEndpoint = "https://api.gandi.net/v5/livedns"
	MinTTL          = 300
	MaxTTL          = 2592000
)

// Config configures a Gandi LiveDNS provider.
type Config struct {
	Token      string // a personal access token with "Manage domain technical configuration"
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is a Gandi organisation's LiveDNS domains. It is safe for concurrent use.
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
		return nil, errors.New("gandi: token is required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	api := jsonapi.Hosted(strings.TrimSuffix(cfg.Endpoint, "/"), jsonapi.Header("Bearer", cfg.Token), cfg.HTTPClient, cfg.Logger)
	return &Provider{api: api, log: api.Log}, nil
}

// Traits are Gandi's limits.
func (p *Provider) Traits() plan.Traits { return plan.Traits{MinTTL: MinTTL, MaxTTL: MaxTTL} }

// errMsg is the message of a Gandi error body {code, message, cause, object}.
func errMsg(data []byte) string {
	var e struct {
		Message string `json:"message"`
		Cause   string `json:"cause"`
	}
	if json.Unmarshal(data, &e) != nil || e.Message == "" {
		return ""
	}
	if e.Cause != "" && e.Cause != e.Message {
		return e.Cause + ": " + e.Message
	}
	return e.Message
}

func recordsPath(origin string) string {
	return "/domains/" + url.PathEscape(strings.TrimSuffix(origin, ".")) + "/records"
}

// Records returns every RRset of the zone, SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	rep, err := p.api.DoAccept(ctx, http.MethodGet, recordsPath(origin), "text/plain", nil, nil, errMsg)
	if err != nil {
		return nil, fmt.Errorf("gandi: reading %s: %w", origin, err)
	}
	zp := dns.NewZoneParser(strings.NewReader(knownTypes(string(rep.Body))), origin, "gandi")
	var g perrecord.Group
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		k, ttl, v := zone.FromRR(rr)
		g.Add(k, ttl, v)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("gandi: reading %s: the zone file Gandi sent does not parse: %w", origin, err)
	}
	return g.Sets(), nil
}

// knownTypes drops the lines of Gandi-only types (ALIAS at the apex, WKS, ...) that miekg/dns
// cannot parse: they are not twinzone's to write, and one of them must not make the whole
// zone unreadable. Gandi writes one record per line: name, TTL, class, type, data.
func knownTypes(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f) && i < 3; i++ {
			if strings.EqualFold(f[i], "IN") {
				if _, ok := dns.StringToType[strings.ToUpper(f[i+1])]; !ok && !strings.HasPrefix(strings.ToUpper(f[i+1]), "TYPE") {
					line = ""
				}
				break
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// rrsetPath is /domains/{fqdn}/records/{name}/{type}, "@" for the apex.
func rrsetPath(origin string, k zone.Key) string {
	name := strings.TrimSuffix(strings.TrimSuffix(k.Name, origin), ".")
	if name == "" {
		name = "@"
	}
	return recordsPath(origin) + "/" + url.PathEscape(name) + "/" + zone.TypeString(k.Type)
}

// Apply deletes, then writes, one RRset per request. On error the requests already made
// stay applied and the rest are not sent.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	for _, deletes := range []bool{true, false} {
		for _, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("gandi: %s: %w", origin, err)
			}
			if err := p.apply(ctx, origin, c); err != nil {
				return fmt.Errorf("gandi: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}

func (p *Provider) apply(ctx context.Context, origin string, c plan.Change) error {
	path := rrsetPath(origin, c.Key())
	if c.New == nil {
		_, err := p.api.Do(ctx, http.MethodDelete, path, nil, nil, errMsg)
		var ae *jsonapi.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil // gone already (a retried apply)
		}
		return err
	}
	body, err := json.Marshal(struct {
		TTL    uint32   `json:"rrset_ttl"`
		Values []string `json:"rrset_values"`
	}{min(max(c.New.TTL, MinTTL), MaxTTL), c.New.Values})
	if err != nil {
		return err
	}
	_, err = p.api.Do(ctx, http.MethodPut, path, body, nil, errMsg)
	return err
}
