// Package powerdns is a twinzone provider for the PowerDNS Authoritative Server's HTTP API
// (/api/v1, X-API-Key).
//
//   - Records: one GET of the zone (/servers/{server}/zones/{id}), every RRset with its records;
//     SOA and apex NS included. Disabled records are not served, so an RRset holding one is
//     reported through Unmanaged and left alone; so are PowerDNS-only types (ALIAS, LUA), with
//     PowerDNS's type codes.
//   - Apply: one PATCH of RRsets (changetype REPLACE or DELETE) per change set, which PowerDNS
//     applies in one database transaction: all or nothing (a bad RRset gets 422 and nothing is
//     written). A change set larger than MaxBody bytes is split into several PATCHes, each
//     atomic; an RRset is never split.
//   - The zone's id comes from a lookup by name (GET /zones?zone=), once per zone.
//   - Errors: 5xx, 429 and network errors are retried here, within one retry.Budget per
//     provider call (REPLACE and DELETE are idempotent; PowerDNS's sqlite3 backend answers a
//     write while another is running, such as one whose client gave up, with a 500 "database
//     is locked"); a spent budget is provider.ErrGaveUp, which no caller retries again.
//     401/403/404/422 are permanent. No error carries the API key.
package powerdns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

// Defaults.
const (
	DefaultServerID = "localhost"
	// DefaultMaxBody keeps one PATCH under PowerDNS's default webserver-max-bodysize (2 MB).
	DefaultMaxBody = 1 << 20
	DefaultTimeout = 60 * time.Second
	// Retries of one provider call (all its requests together), within RetryBudget.
	DefaultRetries     = 5
	DefaultRetryBudget = 2 * time.Minute
	DefaultRetryWait   = 200 * time.Millisecond
)

// Config configures a PowerDNS provider.
type Config struct {
	APIURL   string // base URL of the webserver, "http://127.0.0.1:8081" (the API is under /api/v1)
	APIKey   string // the api-key of pdns.conf
	ServerID string // default "localhost"
	MaxBody  int    // most bytes per PATCH body; default DefaultMaxBody
	// Timeout bounds each HTTP request; default 60 s.
	Timeout time.Duration
	// Retries, RetryBudget and RetryWait (the first wait, doubled each time up to 5 s) bound
	// the retries of one provider call; defaults DefaultRetries, DefaultRetryBudget,
	// DefaultRetryWait.
	Retries     int
	RetryBudget time.Duration
	RetryWait   time.Duration
	HTTPClient  *http.Client // nil: a default client
	Logger      *slog.Logger
}

// Provider is one PowerDNS server's zones. It is safe for concurrent use.
type Provider struct {
	cfg Config
	api *jsonapi.Client
	log *slog.Logger

	mu  sync.Mutex
	ids map[string]string // zone name -> zone id
	// patch serialises this process's PATCHes: with the sqlite3 backend, concurrent writes
	// fail with "database is locked" (HTTP 500).
	patch sync.Mutex
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Unmanaged = (*Provider)(nil)
)

// New returns a provider for cfg; it makes no network call.
func New(cfg Config) (*Provider, error) {
	if cfg.APIURL == "" {
		return nil, errors.New("powerdns: api_url is required")
	}
	if cfg.APIKey == "" {
		return nil, errors.New("powerdns: api_key is required")
	}
	u, err := url.Parse(cfg.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("powerdns: api_url %q is not an http(s) URL", cfg.APIURL)
	}
	if cfg.ServerID == "" {
		cfg.ServerID = DefaultServerID
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries <= 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.RetryBudget <= 0 {
		cfg.RetryBudget = DefaultRetryBudget
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = DefaultRetryWait
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := cfg.APIKey
	api := &jsonapi.Client{
		Base: strings.TrimSuffix(cfg.APIURL, "/") + "/api/v1/servers/" + url.PathEscape(cfg.ServerID),
		Auth: func(r *http.Request) error { r.Header.Set("X-API-Key", key); return nil },
		HTTP: hc, Timeout: cfg.Timeout, Retries: cfg.Retries, RetryBudget: cfg.RetryBudget,
		RetryWait: cfg.RetryWait, MaxWait: 5 * time.Second, Log: log,
	}
	return &Provider{cfg: cfg, api: api, log: log, ids: map[string]string{}}, nil
}

// Traits: PowerDNS stores every type miekg/dns knows, any TTL, and apex NS.
func (p *Provider) Traits() plan.Traits { return plan.Traits{ApexNSManaged: true} }

// do sends one request within ctx's retry budget (see jsonapi).
func (p *Provider) do(ctx context.Context, method, path string, body []byte, out any) error {
	_, err := p.api.Do(ctx, method, path, body, out, func(data []byte) string {
		var msg struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &msg)
		return msg.Error
	})
	return err
}

// budget attaches the retry budget of one provider call to ctx.
func (p *Provider) budget(ctx context.Context) context.Context { return p.api.Budget(ctx) }

// zoneID returns the id of zone (looked up once).
func (p *Provider) zoneID(ctx context.Context, zone string) (string, error) {
	p.mu.Lock()
	id, ok := p.ids[zone]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	var zones []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := p.do(ctx, http.MethodGet, "/zones?zone="+url.QueryEscape(zone), nil, &zones); err != nil {
		return "", fmt.Errorf("powerdns: looking up zone %s: %w", zone, err)
	}
	for _, z := range zones {
		if strings.EqualFold(z.Name, zone) {
			p.mu.Lock()
			p.ids[zone] = z.ID
			p.mu.Unlock()
			return z.ID, nil
		}
	}
	return "", fmt.Errorf("powerdns: zone %s does not exist on server %s", zone, p.cfg.ServerID)
}
