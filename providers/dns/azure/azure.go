// Package azure is a twinzone provider for Azure DNS (Azure Resource Manager, API version
// 2018-05-01), written against the REST API rather than through libdns/azure v0.5.0, which
// brings the Azure SDK (azcore, azidentity with MSAL, armdns) into the binary.
//
//   - Auth: a service principal's client secret, exchanged for a token (scope
//     https://management.azure.com/.default) at Microsoft Entra ID's token endpoint, kept
//     until a minute before it expires.
//   - Records: the zone's record sets (/all), following nextLink.
//   - Apply: one request per RRset: PUT of the record set (ARM replaces it whole), DELETE for
//     a removed one (already gone counts as deleted); deletes first, so a CNAME can replace
//     other data. There is no multi-RRset transaction.
//   - Traits: the types of the 2018-05-01 API (A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT);
//     apex NS and SOA are Azure's. TXT strings are JSON strings: a value holding invalid
//     UTF-8 or NUL is refused before any request.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries the secret or a token.
package azure

import (
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

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

// Defaults.
const (
	DefaultEndpoint  = "https://management.azure.com"
	DefaultAuthority = "https://login.microsoftonline.com"
	APIVersion       = "2018-05-01"
	maxPages         = 10000
)

// Config configures an Azure DNS provider.
type Config struct {
	TenantID, ClientID, ClientSecret string
	SubscriptionID, ResourceGroup    string
	Endpoint                         string // default DefaultEndpoint
	Authority                        string // default DefaultAuthority
	HTTPClient                       *http.Client
	Logger                           *slog.Logger
}

// Provider is the DNS zones of one resource group. It is safe for concurrent use.
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
	if cfg.TenantID == "" || cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.SubscriptionID == "" || cfg.ResourceGroup == "" {
		return nil, errors.New("azure: tenant_id, client_id, client_secret, subscription_id and resource_group are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Authority == "" {
		cfg.Authority = DefaultAuthority
	}
	ts := &tokenSource{cfg: cfg}
	api := jsonapi.Hosted(
		strings.TrimSuffix(cfg.Endpoint, "/")+"/subscriptions/"+url.PathEscape(cfg.SubscriptionID)+
			"/resourceGroups/"+url.PathEscape(cfg.ResourceGroup)+"/providers/Microsoft.Network/dnsZones/",
		func(r *http.Request) error {
			tok, err := ts.token(r.Context())
			if err != nil {
				return err
			}
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}, cfg.HTTPClient, cfg.Logger)
	ts.hc = api.HTTP // the token requests share the API's client
	return &Provider{api: api, log: api.Log}, nil
}

// Traits are Azure DNS's types.
func (p *Provider) Traits() plan.Traits {
	t := plan.Traits{Types: map[uint16]bool{}}
	for _, typ := range Types {
		t.Types[typ] = true
	}
	return t
}

// tokenSource gets a token by the client-credentials grant and keeps it.
type tokenSource struct {
	cfg Config
	hc  *http.Client

	mu      sync.Mutex
	tok     string
	expires time.Time
}

func (ts *tokenSource) token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok != "" && time.Now().Before(ts.expires) {
		return ts.tok, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {ts.cfg.ClientID},
		"client_secret": {ts.cfg.ClientSecret}, "scope": {strings.TrimSuffix(ts.cfg.Endpoint, "/") + "/.default"}}
	u := strings.TrimSuffix(ts.cfg.Authority, "/") + "/" + url.PathEscape(ts.cfg.TenantID) + "/oauth2/v2.0/token"
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("getting a token for client %s: %w", ts.cfg.ClientID, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(data, &tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return "", fmt.Errorf("getting a token for client %s: HTTP %d: %s %s", ts.cfg.ClientID, resp.StatusCode, tok.Error, firstLine(tok.Description))
	}
	ts.tok, ts.expires = tok.AccessToken, time.Now().Add(time.Duration(max(tok.ExpiresIn-60, 0))*time.Second)
	return ts.tok, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

func errMsg(data []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
		return ""
	}
	return e.Error.Code + ": " + e.Error.Message
}

type recordSet struct {
	Name       string     `json:"name"`
	Type       string     `json:"type"` // Microsoft.Network/dnszones/A
	Properties properties `json:"properties"`
}

// Records returns every RRset of the zone, SOA excluded (Azure's SOA is its own).
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	next := url.PathEscape(strings.TrimSuffix(origin, ".")) + "/all?api-version=" + APIVersion
	var sets []zone.RRset
	for page := 0; next != ""; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("azure: %s: more than %d pages", origin, maxPages)
		}
		var rep struct {
			Value    []recordSet `json:"value"`
			NextLink string      `json:"nextLink"`
		}
		if _, err := p.api.Do(ctx, http.MethodGet, next, nil, &rep, errMsg); err != nil {
			return nil, fmt.Errorf("azure: reading %s: %w", origin, err)
		}
		for _, rs := range rep.Value {
			typ := rs.Type[strings.LastIndex(rs.Type, "/")+1:]
			t, ok := dns.StringToType[strings.ToUpper(typ)]
			if !ok || t == dns.TypeSOA {
				continue
			}
			name := origin
			if rs.Name != "@" {
				name = strings.ToLower(rs.Name) + "." + origin
			}
			set := zone.RRset{Name: name, Type: t, TTL: rs.Properties.TTL}
			for _, v := range rs.Properties.values(t) {
				rr, err := zone.NewRR(name, set.TTL, t, v)
				if err != nil {
					return nil, fmt.Errorf("azure: %s %s: %q does not parse: %w", name, typ, v, err)
				}
				_, _, cv := zone.FromRR(rr)
				set.Values = append(set.Values, cv)
			}
			if len(set.Values) > 0 {
				sets = append(sets, set)
			}
		}
		next = rep.NextLink
	}
	zone.Sort(sets)
	return sets, nil
}

// Apply deletes, then writes, one record set per request. Every record set is converted
// before the first request. On error the requests already made stay applied.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	bodies := make([][]byte, len(changes))
	for i, c := range changes {
		if c.New == nil {
			continue
		}
		props, err := fromRRset(c.New)
		if err != nil {
			return fmt.Errorf("azure: %s: %w (nothing written)", c.Key(), err)
		}
		if bodies[i], err = json.Marshal(map[string]any{"properties": props}); err != nil {
			return err
		}
	}
	ctx = p.api.Budget(ctx)
	for _, deletes := range []bool{true, false} {
		for i, c := range changes {
			if (c.New == nil) != deletes {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("azure: %s: %w", origin, err)
			}
			rel := strings.TrimSuffix(strings.TrimSuffix(c.Key().Name, origin), ".")
			if rel == "" {
				rel = "@"
			}
			path := url.PathEscape(strings.TrimSuffix(origin, ".")) + "/" + zone.TypeString(c.Key().Type) + "/" + url.PathEscape(rel) + "?api-version=" + APIVersion
			var err error
			if deletes {
				_, err = p.api.Do(ctx, http.MethodDelete, path, nil, nil, errMsg)
			} else {
				_, err = p.api.Do(ctx, http.MethodPut, path, bodies[i], nil, errMsg)
			}
			if err != nil {
				return fmt.Errorf("azure: %s %s: %w", c.Key(), c.Action, err)
			}
		}
	}
	return nil
}
