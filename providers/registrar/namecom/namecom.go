// Package namecom is a registrar adapter for the Name.com v4 API (https://www.name.com/api-docs):
// GetDomain (GET /v4/domains/{domain}, its "nameservers") to read and SetNameservers
// (POST /v4/domains/{domain}:setNameservers, {"nameservers": [...]}) to replace the set,
// authenticated with HTTP Basic (the account's username and an API token; the test server
// api.dev.name.com takes the username with "-test" appended and its own token).
//
// Name.com's newer reference (https://docs.name.com/docs/api-reference/domains/set-nameservers)
// documents the same call as POST /core/v1/domains/{domain}:setNameservers with the same body;
// the v4 paths are the ones its API overview documents for production and api.dev.name.com.
//
// Documented limits twinzone respects: POST bodies must be sent as application/json (else
// 403); non-200 replies carry {"message", "details"}. The change is synchronous. Glue is not
// sent: in-bailiwick names must exist as Name.com "vanity nameservers" (registered hosts)
// first, which `check` reports. Name.com rate-limits the API (the documented figures are per
// second and per hour); a 429 is transient.
package namecom

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

// DefaultEndpoint is Name.com's production API; TestEndpoint its test environment.
const (
	DefaultEndpoint = "https://api.name.com"
	TestEndpoint    = "https://api.dev.name.com"
)

// Config configures the adapter.
type Config struct {
	Username   string
	Token      string // API token; never logged
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
}

// Registrar talks to Name.com.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.Username == "" || cfg.Token == "" {
		return nil, fmt.Errorf("namecom: username and token are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Registrar{cfg: cfg}, nil
}

func (r *Registrar) header() http.Header {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(r.cfg.Username, r.cfg.Token)
	return http.Header{"Authorization": req.Header["Authorization"]}
}

type domainReply struct {
	DomainName  string   `json:"domainName"`
	Nameservers []string `json:"nameservers"`
}

// Nameservers returns the nameservers Name.com holds for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	var out domainReply
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodGet, r.cfg.Endpoint, "/v4/domains/"+httpjson.Domain(domain),
		r.header(), nil, &out, message); err != nil {
		return nil, fmt.Errorf("namecom: %w", err)
	}
	return httpjson.Absolute(out.Nameservers), nil
}

// SetNameservers replaces domain's nameservers.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("namecom: %s: refusing an empty nameserver set", domain)
	}
	body := map[string][]string{"nameservers": httpjson.Bare(set.Names())}
	if err := httpjson.Do(ctx, r.cfg.HTTPClient, http.MethodPost, r.cfg.Endpoint, "/v4/domains/"+httpjson.Domain(domain)+":setNameservers",
		r.header(), body, nil, message); err != nil {
		return registrar.Operation{}, fmt.Errorf("namecom: %w", err)
	}
	return registrar.Operation{}, nil
}

// message extracts Name.com's ErrorMessage {"message": ..., "details": ...}.
func message(b []byte) string {
	var e struct {
		Message string `json:"message"`
		Details string `json:"details"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	if e.Details != "" {
		return e.Message + ": " + e.Details
	}
	return e.Message
}
