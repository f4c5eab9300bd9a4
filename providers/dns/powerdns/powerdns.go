// Package powerdns is a twinzone provider for the PowerDNS Authoritative Server's HTTP API
// (/api/v1, X-API-Key).
//
//   - Records: one GET of the zone (/servers/{server}/zones/{id}), every RRset with its records;
//     SOA and apex NS included. Disabled records are not served, so an RRset holding one is
//     reported through Unmanaged and left alone; so are types miekg/dns cannot parse (ALIAS,
//     LUA), which only PowerDNS understands.
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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/retry"
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
	cfg  Config
	base string // .../api/v1/servers/{server}
	hc   *http.Client
	log  *slog.Logger

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
	base := strings.TrimSuffix(cfg.APIURL, "/") + "/api/v1/servers/" + url.PathEscape(cfg.ServerID)
	return &Provider{cfg: cfg, base: base, hc: hc, log: log, ids: map[string]string{}}, nil
}

// Traits: PowerDNS stores every type miekg/dns knows, any TTL, and apex NS.
func (p *Provider) Traits() plan.Traits { return plan.Traits{ApexNSManaged: true} }

// apiError is a non-2xx reply.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Msg)
}

// do sends one request and decodes a JSON reply into out (when not nil), retrying 5xx, 429
// and network errors within the call's retry budget (REPLACE and DELETE are idempotent).
func (p *Provider) do(ctx context.Context, method, path string, body []byte, out any) error {
	b := retry.From(ctx)
	for attempt := 0; ; attempt++ {
		err, again := p.once(ctx, method, path, body, out)
		if !again {
			return err
		}
		wait := min(p.cfg.RetryWait<<min(attempt, 6), 5*time.Second)
		if b == nil {
			return provider.MarkTransient(err)
		}
		if berr := b.Take(wait); berr != nil {
			return provider.MarkGaveUp(fmt.Errorf("%w; %v", err, berr))
		}
		p.log.Debug("powerdns: retrying", "method", method, "path", path, "err", err, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while waiting to retry: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// budget attaches the retry budget of one provider call to ctx (the outermost call makes it).
func (p *Provider) budget(ctx context.Context) context.Context {
	ctx, _ = retry.Ensure(ctx, func() *retry.Budget { return retry.New(p.cfg.Retries, p.cfg.RetryBudget, nil) })
	return ctx
}

// once sends one request; again reports an error worth retrying.
func (p *Provider) once(parent context.Context, method, path string, body []byte, out any) (err error, again bool) {
	ctx, cancel := context.WithTimeout(parent, p.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return err, false
	}
	req.Header.Set("X-API-Key", p.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		if perr := parent.Err(); perr != nil { // the caller gave up: not worth a retry
			return fmt.Errorf("%s %s: %w", method, path, perr), false
		}
		return fmt.Errorf("%s %s: %w", method, path, scrub(err)), true
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the reply: %w", method, path, err), parent.Err() == nil
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode}
		var msg struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &msg) == nil {
			e.Msg = msg.Error
		} else {
			e.Msg = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return fmt.Errorf("%s %s: %w", method, path, e), resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	}
	if out == nil || len(data) == 0 {
		return nil, false
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding the reply: %w", method, path, err), false
	}
	return nil, false
}

// scrub drops the URL from a transport error (it holds no key, but keeps messages short).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

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
