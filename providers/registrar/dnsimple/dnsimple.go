// Package dnsimple is a registrar adapter for DNSimple's v2 API: GET and PUT
// /v2/{account}/registrar/domains/{domain}/delegation (a JSON array of names; replies
// {"data": [...]}), authenticated with an API access token (Authorization: Bearer). The change
// is synchronous. Glue for in-bailiwick names is not sent (DNSimple manages it as vanity or
// registered name servers).
package dnsimple

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// DefaultEndpoint is DNSimple's production API (the sandbox is https://api.sandbox.dnsimple.com).
const DefaultEndpoint = "https://api.dnsimple.com"

// Config configures the adapter.
type Config struct {
	Token      string // API access token; never logged
	Account    string // account ID
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
}

// Registrar talks to DNSimple.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.Token == "" || cfg.Account == "" {
		return nil, fmt.Errorf("dnsimple: token and account are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Registrar{cfg: cfg}, nil
}

func (r *Registrar) path(domain string) string {
	return "/v2/" + url.PathEscape(r.cfg.Account) + "/registrar/domains/" + httpjson.Domain(domain) + "/delegation"
}

func (r *Registrar) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + r.cfg.Token}}
}

type reply struct {
	Data []string `json:"data"`
}

// Nameservers returns the names domain delegates to.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	var out reply
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodGet, r.cfg.Endpoint, r.path(domain), r.header(), nil, &out, message); err != nil {
		return nil, fmt.Errorf("dnsimple: %w", err)
	}
	return httpjson.Absolute(out.Data), nil
}

// SetNameservers replaces the delegation of domain.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("dnsimple: %s: refusing an empty nameserver set", domain)
	}
	var out reply
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodPut, r.cfg.Endpoint, r.path(domain), r.header(),
		httpjson.Bare(set.Names()), &out, message); err != nil {
		return registrar.Operation{}, fmt.Errorf("dnsimple: %w", err)
	}
	return registrar.Operation{}, nil
}

// message extracts DNSimple's {"message": ..., "errors": {...}}.
func message(b []byte) string {
	var e struct {
		Message string              `json:"message"`
		Errors  map[string][]string `json:"errors"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	msg := e.Message
	for k, v := range e.Errors {
		msg += fmt.Sprintf("; %s: %v", k, v)
	}
	return msg
}
