// Package ovh is a registrar adapter for the OVHcloud API v1 (domain names: "Configure the DNS
// of your Domain Name", https://help.ovhcloud.com/csm/en-domain-names-api-dns, and "Tasks
// Management"): GET /domain/{domain}/nameServer (ids) and /domain/{domain}/nameServer/{id}
// (host, ip, toDelete) to read; POST /domain/{domain}/nameServers/update with
// {"nameServers": [{"host", "ip"}]} to replace the set, which returns a DomainDnsUpdate task
// that Wait polls (GET /domain/{domain}/task/{id}: todo, doing, done; error, cancelled).
// (The guide's example body says "nameServer"; the API schema, and OVH's own clients, use
// "nameServers".)
//
// Requests are signed as OVH documents ("First steps with the OVHcloud APIs"): headers
// X-Ovh-Application (application key), X-Ovh-Consumer (consumer key), X-Ovh-Timestamp (the
// API's clock: GET /auth/time once, then the local clock plus that offset) and
// X-Ovh-Signature = "$1$" + hex(SHA-1(application secret + "+" + consumer key + "+" + method
// + "+" + full URL + "+" + body + "+" + timestamp)). The consumer key must be granted
// GET /domain/* and POST /domain/*/nameServers/update.
//
// Documented limits: the domain's nameServerType must be "external" for its nameservers to be
// changed (a "hosted" domain uses OVH's own DNS; `check` reports the trap); the registry task
// usually runs within minutes. Glue: an in-bailiwick name is sent with its first address in
// "ip" (OVH declares it with the name server for registries without host objects; for others,
// the host must exist under /domain/{domain}/glueRecord first).
package ovh

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// Endpoints of the OVHcloud API regions.
const (
	EndpointEU = "https://eu.api.ovh.com/1.0"
	EndpointCA = "https://ca.api.ovh.com/1.0"
	EndpointUS = "https://api.us.ovhcloud.com/1.0"
)

// Config configures the adapter.
type Config struct {
	ApplicationKey    string
	ApplicationSecret string        // never logged
	ConsumerKey       string        // never logged
	Endpoint          string        // default EndpointEU
	PollInterval      time.Duration // task polling; default 15 s
	MaxWait           time.Duration // Wait gives up after this long; default 1 h
	HTTPClient        *http.Client
	Now               func() time.Time
}

// Registrar talks to OVHcloud.
type Registrar struct {
	cfg Config

	mu     sync.Mutex
	offset time.Duration // API clock minus local clock
	synced bool
}

var (
	_ registrar.Registrar = (*Registrar)(nil)
	_ registrar.Waiter    = (*Registrar)(nil)
)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.ApplicationKey == "" || cfg.ApplicationSecret == "" || cfg.ConsumerKey == "" {
		return nil, fmt.Errorf("ovh: application key, application secret and consumer key are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = EndpointEU
	}
	cfg.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 15 * time.Second
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Registrar{cfg: cfg}, nil
}

// Sign returns the X-Ovh-Signature of one request.
func Sign(appSecret, consumerKey, method, fullURL string, body []byte, timestamp int64) string {
	h := sha1.Sum([]byte(appSecret + "+" + consumerKey + "+" + method + "+" + fullURL + "+" + string(body) + "+" + strconv.FormatInt(timestamp, 10)))
	return "$1$" + hex.EncodeToString(h[:])
}

func (r *Registrar) timestamp(ctx context.Context) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.synced {
		raw, err := httpjson.Send(ctx, r.cfg.HTTPClient, http.MethodGet, r.cfg.Endpoint, "/auth/time", nil, nil, message)
		if err != nil {
			return 0, fmt.Errorf("ovh: %w", err)
		}
		t, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("ovh: GET /auth/time: %q is not a time", bytes.TrimSpace(raw))
		}
		r.offset = time.Unix(t, 0).Sub(r.cfg.Now())
		r.synced = true
	}
	return r.cfg.Now().Add(r.offset).Unix(), nil
}

func (r *Registrar) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("ovh: %s %s: %w", method, path, err)
		}
		body = b
	}
	ts, err := r.timestamp(ctx)
	if err != nil {
		return err
	}
	hdr := http.Header{
		"X-Ovh-Application": {r.cfg.ApplicationKey},
		"X-Ovh-Consumer":    {r.cfg.ConsumerKey},
		"X-Ovh-Timestamp":   {strconv.FormatInt(ts, 10)},
		"X-Ovh-Signature":   {Sign(r.cfg.ApplicationSecret, r.cfg.ConsumerKey, method, r.cfg.Endpoint+path, body, ts)},
	}
	if body != nil {
		hdr.Set("Content-Type", "application/json;charset=utf-8")
	}
	raw, err := httpjson.Send(ctx, r.cfg.HTTPClient, method, r.cfg.Endpoint, path, hdr, body, message)
	if err != nil {
		return fmt.Errorf("ovh: %w", err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("ovh: %s %s: decode reply: %w", method, path, err)
		}
	}
	return nil
}

type nameServer struct {
	ID       int64  `json:"id,omitempty"`
	Host     string `json:"host"`
	IP       string `json:"ip,omitempty"`
	ToDelete bool   `json:"toDelete,omitempty"`
}

// Nameservers returns the nameservers OVH declares for domain (those not being deleted).
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	base := "/domain/" + httpjson.Domain(domain) + "/nameServer"
	var ids []int64
	if err := r.call(ctx, http.MethodGet, base, nil, &ids); err != nil {
		return nil, err
	}
	if len(ids) > 13 {
		return nil, fmt.Errorf("ovh: %s: %d name servers listed, more than a domain can have", domain, len(ids))
	}
	var names []string
	for _, id := range ids {
		var ns nameServer
		if err := r.call(ctx, http.MethodGet, base+"/"+strconv.FormatInt(id, 10), nil, &ns); err != nil {
			return nil, err
		}
		if !ns.ToDelete {
			names = append(names, ns.Host)
		}
	}
	return httpjson.Absolute(names), nil
}

type task struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Function string `json:"function"`
	Comment  string `json:"comment"`
}

// SetNameservers starts the replacement of domain's nameservers; the Operation is the task.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("ovh: %s: refusing an empty nameserver set", domain)
	}
	d := strings.ToLower(dns.Fqdn(domain))
	var list []nameServer
	for _, ns := range set {
		n := nameServer{Host: strings.TrimSuffix(strings.ToLower(ns.Name), ".")}
		if dns.IsSubDomain(d, strings.ToLower(dns.Fqdn(ns.Name))) && len(ns.Addrs) > 0 {
			n.IP = ns.Addrs[0].Addr().Unmap().String()
		}
		list = append(list, n)
	}
	var t task
	if err := r.call(ctx, http.MethodPost, "/domain/"+httpjson.Domain(domain)+"/nameServers/update",
		map[string]any{"nameServers": list}, &t); err != nil {
		return registrar.Operation{}, err
	}
	return registrar.Operation{ID: strconv.FormatInt(t.ID, 10)}, nil
}

// Wait polls the task until it is done (nil), in error or cancelled (error), ctx ends or
// MaxWait passes (a task can stay "todo" for hours when the registry is slow).
func (r *Registrar) Wait(ctx context.Context, domain string, op registrar.Operation) error {
	if op.ID == "" {
		return fmt.Errorf("ovh: %s: no task to wait for", domain)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.MaxWait)
	defer cancel()
	path := "/domain/" + httpjson.Domain(domain) + "/task/" + op.ID
	last := "todo" // what nameServers/update returns
	for {
		var t task
		if err := r.call(ctx, http.MethodGet, path, nil, &t); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("ovh: %s: task %s still %q: %w", domain, op.ID, last, ctx.Err())
			}
			if !errors.Is(err, provider.ErrTransient) {
				return err
			}
			t.Status = last // a failed read (5xx, 429, dropped connection) says nothing: poll again
		}
		last = t.Status
		switch t.Status {
		case "done":
			return nil
		case "error", "cancelled":
			return fmt.Errorf("ovh: %s: task %s (%s) %s: %s", domain, op.ID, t.Function, t.Status, t.Comment)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ovh: %s: task %s still %q: %w", domain, op.ID, t.Status, ctx.Err())
		case <-time.After(r.cfg.PollInterval):
		}
	}
}

// message extracts OVH's {"class": ..., "message": ...}.
func message(b []byte) string {
	var e struct {
		Class   string `json:"class"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	return e.Message
}
