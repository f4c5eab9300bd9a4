// Package gandi is a registrar adapter for Gandi's v5 API: read and replace a domain's
// nameservers with GET and PUT /v5/domain/domains/{domain}/nameservers, authenticated with a
// personal access token (Authorization: Bearer). Gandi applies the change synchronously from
// the caller's point of view (202 Accepted); glue for in-bailiwick names is managed separately
// at Gandi (hosts API) and is not sent here.
package gandi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// DefaultEndpoint is Gandi's production API.
const DefaultEndpoint = "https://api.gandi.net"

// Config configures the adapter.
type Config struct {
	Token      string       // personal access token; never logged
	Endpoint   string       // default DefaultEndpoint; tests point it at an emulator
	HTTPClient *http.Client // default: 30 s timeout
}

// Registrar talks to Gandi.
type Registrar struct {
	cfg Config
}

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.Token == "" {
		return nil, fmt.Errorf("gandi: token is required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	return &Registrar{cfg: cfg}, nil
}

func (r *Registrar) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + r.cfg.Token}}
}

func path(domain string) string {
	return "/v5/domain/domains/" + httpjson.Domain(domain) + "/nameservers"
}

// Nameservers returns the nameservers Gandi holds for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	var names []string
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodGet, r.cfg.Endpoint, path(domain), r.header(), nil, &names, message); err != nil {
		return nil, fmt.Errorf("gandi: %w", err)
	}
	return httpjson.Absolute(names), nil
}

// SetNameservers replaces domain's nameservers.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("gandi: %s: refusing an empty nameserver set", domain)
	}
	body := map[string][]string{"nameservers": httpjson.Bare(set.Names())}
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodPut, r.cfg.Endpoint, path(domain), r.header(), body, nil, message); err != nil {
		return registrar.Operation{}, fmt.Errorf("gandi: %w", err)
	}
	return registrar.Operation{}, nil
}

// message extracts Gandi's error message: {"code":..,"message":..,"cause":..,"errors":[{"description":..}]}.
func message(b []byte) string {
	var e struct {
		Message string `json:"message"`
		Cause   string `json:"cause"`
		Errors  []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	msg := e.Message
	if e.Cause != "" && e.Cause != msg {
		msg += " (" + e.Cause + ")"
	}
	for _, x := range e.Errors {
		msg += "; " + x.Name + ": " + x.Description
	}
	return msg
}
