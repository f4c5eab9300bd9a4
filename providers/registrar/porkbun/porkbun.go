// Package porkbun is a registrar adapter for Porkbun's v3 JSON API: POST
// /api/json/v3/domain/getNs/{domain} and /api/json/v3/domain/updateNs/{domain}, with the API
// key and secret key in the JSON body ({"apikey", "secretapikey", "ns": [...]}). Replies carry
// {"status": "SUCCESS"|"ERROR", "message"}. API access must be enabled per domain at Porkbun.
// The change is synchronous; glue is not sent.
package porkbun

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// DefaultEndpoint is Porkbun's API host.
const DefaultEndpoint = "https://api.porkbun.com"

// Config configures the adapter.
type Config struct {
	APIKey       string // never logged
	SecretAPIKey string // never logged
	Endpoint     string // default DefaultEndpoint
	HTTPClient   *http.Client
}

// Registrar talks to Porkbun.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.APIKey == "" || cfg.SecretAPIKey == "" {
		return nil, fmt.Errorf("porkbun: api key and secret api key are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Registrar{cfg: cfg}, nil
}

type request struct {
	APIKey       string   `json:"apikey"`
	SecretAPIKey string   `json:"secretapikey"`
	NS           []string `json:"ns,omitempty"`
}

type reply struct {
	Status  string   `json:"status"`
	Message string   `json:"message"`
	NS      []string `json:"ns"`
}

func (r *Registrar) call(ctx context.Context, op, domain string, ns []string) (reply, error) {
	var out reply
	path := "/api/json/v3/domain/" + op + "/" + httpjson.Domain(domain)
	err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodPost, r.cfg.Endpoint, path, nil,
		request{APIKey: r.cfg.APIKey, SecretAPIKey: r.cfg.SecretAPIKey, NS: ns}, &out, message)
	if err != nil {
		return out, fmt.Errorf("porkbun: %w", err)
	}
	if out.Status != "SUCCESS" {
		return out, fmt.Errorf("porkbun: POST %s: status %q: %s", path, out.Status, out.Message)
	}
	return out, nil
}

// Nameservers returns the nameservers Porkbun holds for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	out, err := r.call(ctx, "getNs", domain, nil)
	if err != nil {
		return nil, err
	}
	return httpjson.Absolute(out.NS), nil
}

// SetNameservers replaces domain's nameservers.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("porkbun: %s: refusing an empty nameserver set", domain)
	}
	_, err := r.call(ctx, "updateNs", domain, httpjson.Bare(set.Names()))
	return registrar.Operation{}, err
}

func message(b []byte) string {
	var e reply
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	return e.Message
}
