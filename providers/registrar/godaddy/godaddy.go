// Package godaddy is a registrar adapter for GoDaddy's Domains API v1
// (https://developer.godaddy.com/doc/endpoint/domains): GET /v1/domains/{domain} (its
// "nameServers") to read and PATCH /v1/domains/{domain} with {"nameServers": [...]} to
// replace the set, authenticated with "Authorization: sso-key KEY:SECRET". OTE (GoDaddy's
// test environment) is https://api.ote-godaddy.com with its own keys.
//
// Documented limits: since May 2024 GoDaddy serves the Domains management API in production
// only to accounts with 10 or more domains or an active Discount Domain Club plan; other
// accounts' keys get 403 ACCESS_DENIED, which this adapter reports as permanent with that
// reason, and `check` finds with its read-only call. GoDaddy allows 60 requests per minute per
// endpoint (429 with retryAfterSec, transient). X-Shopper-Id is sent when configured (resellers
// acting for a shopper). Glue is not sent: in-bailiwick names need hosts registered at GoDaddy
// first. The change is treated as synchronous (204).
package godaddy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// DefaultEndpoint is GoDaddy's production API; OTEEndpoint its test environment.
const (
	DefaultEndpoint = "https://api.godaddy.com"
	OTEEndpoint     = "https://api.ote-godaddy.com"
)

// Config configures the adapter.
type Config struct {
	Key        string // API key; never logged
	Secret     string // API secret; never logged
	ShopperID  string // optional X-Shopper-Id
	Endpoint   string // default DefaultEndpoint
	HTTPClient *http.Client
}

// Registrar talks to GoDaddy.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.Key == "" || cfg.Secret == "" {
		return nil, fmt.Errorf("godaddy: api key and secret are required")
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
	h := http.Header{"Authorization": {"sso-key " + r.cfg.Key + ":" + r.cfg.Secret}}
	if r.cfg.ShopperID != "" {
		h.Set("X-Shopper-Id", r.cfg.ShopperID)
	}
	return h
}

// AccessRestriction is the reason a 403 ACCESS_DENIED gets: GoDaddy's account restriction.
const AccessRestriction = "GoDaddy serves its Domains API only to accounts with 10 or more domains or a Discount Domain Club plan"

func (r *Registrar) do(ctx context.Context, method, domain string, in, out any) error {
	err := httpjson.Do(ctx, r.cfg.HTTPClient, method, r.cfg.Endpoint, "/v1/domains/"+httpjson.Domain(domain), r.header(), in, out, message)
	var se *httpjson.StatusError
	if errors.As(err, &se) && se.Status == http.StatusForbidden {
		se.Message += " (" + AccessRestriction + ", and the key must be a production key of the account holding the domain)"
	}
	if err != nil {
		return fmt.Errorf("godaddy: %w", err)
	}
	return nil
}

// Nameservers returns the nameservers GoDaddy holds for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	var out struct {
		NameServers []string `json:"nameServers"`
	}
	if err := r.do(ctx, http.MethodGet, domain, nil, &out); err != nil {
		return nil, err
	}
	return httpjson.Absolute(out.NameServers), nil
}

// SetNameservers replaces domain's nameservers.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("godaddy: %s: refusing an empty nameserver set", domain)
	}
	body := map[string][]string{"nameServers": httpjson.Bare(set.Names())}
	return registrar.Operation{}, r.do(ctx, http.MethodPatch, domain, body, nil)
}

// message extracts GoDaddy's Error {"code", "message", "fields": [{"path", "message"}]} and
// the retryAfterSec of an ErrorLimit.
func message(b []byte) string {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"fields"`
		RetryAfterSec int `json:"retryAfterSec"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	for _, f := range e.Fields {
		msg += "; " + f.Path + ": " + f.Message
	}
	if e.RetryAfterSec > 0 {
		msg += " (retryAfterSec " + strconv.Itoa(e.RetryAfterSec) + ")"
	}
	return msg
}
