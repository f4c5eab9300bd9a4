// Package googleclouddns is a twinzone provider for Google Cloud DNS (API v1), written
// against the REST API rather than through libdns/googleclouddns v1.2.0, which would bring
// cloud.google.com/go and google.golang.org/api (gRPC, OpenTelemetry, ...) into a binary
// that has none of them.
//
//   - Auth: a service-account key file; its JWT is exchanged for an access token (scope
//     ndev.clouddns.readwrite) at the key's token_uri, kept until a minute before expiry.
//   - Records: the managed zone's RRsets, page by page (pageToken).
//   - Apply: one Change per change set ("additions" and "deletions", applied by Cloud DNS as
//     a whole): an update deletes the old RRset exactly as read and adds the new one, so a
//     change made behind twinzone's back since the plan fails the whole Change instead of
//     being overwritten. More than 1,000 RRsets are split into several Changes (Cloud DNS's
//     per-change quota), never inside one name. A pending Change is waited for (bounded).
//   - Traits: every type Cloud DNS knows; apex NS and SOA are left to Cloud DNS.
//   - 5xx, 429 (Retry-After honoured) and network errors are retried within one budget per
//     provider call; other 4xx are permanent. No error carries a key or token.
package googleclouddns

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/jsonapi"
)

// Defaults and limits.
const (
	DefaultEndpoint = "https://dns.googleapis.com/dns/v1"
	MaxPerChange    = 1000 // RRsets added (and deleted) per Change
	maxPages        = 10000
	pendingPolls    = 120 // at most about 2 minutes for a Change to be done
)

// Config configures a Cloud DNS provider.
type Config struct {
	Account     *ServiceAccount // from the key file (ParseServiceAccount)
	Key         *rsa.PrivateKey
	Project     string // default the key's project_id
	ManagedZone string // the managed zone's name (not its DNS name); empty: looked up by DNS name
	Endpoint    string // default DefaultEndpoint
	HTTPClient  *http.Client
	Logger      *slog.Logger
	// PollWait is the wait between reads of a pending Change; default 1 s.
	PollWait time.Duration
}

// Provider is a Cloud DNS project's managed zones. It is safe for concurrent use.
type Provider struct {
	cfg Config
	api *jsonapi.Client
	log *slog.Logger
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
)

// New returns a provider for cfg; it makes no network call.
func New(cfg Config) (*Provider, error) {
	if cfg.Account == nil || cfg.Key == nil {
		return nil, errors.New("googleclouddns: a service-account key is required")
	}
	if cfg.Project == "" {
		cfg.Project = cfg.Account.ProjectID
	}
	if cfg.Project == "" {
		return nil, errors.New("googleclouddns: project is required (the key file names none)")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = time.Second
	}
	ts := &tokenSource{sa: cfg.Account, key: cfg.Key, now: time.Now}
	api := jsonapi.Hosted(
		strings.TrimSuffix(cfg.Endpoint, "/")+"/projects/"+url.PathEscape(cfg.Project),
		func(r *http.Request) error {
			tok, err := ts.Token(r.Context())
			if err != nil {
				return err
			}
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}, cfg.HTTPClient, cfg.Logger)
	ts.hc = api.HTTP // the token requests share the API's client
	return &Provider{cfg: cfg, api: api, log: api.Log}, nil
}

// Traits: Cloud DNS holds every common type; apex NS is left to it.
func (p *Provider) Traits() plan.Traits { return plan.Traits{} }

type rrset struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	TTL     uint32   `json:"ttl"`
	Rrdatas []string `json:"rrdatas"`
}

func errMsg(data []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &e)
	return e.Error.Message
}

// zonePath is /managedZones/{name}, looking the name up by DNS name when not configured.
func (p *Provider) zonePath(ctx context.Context, origin string) (string, error) {
	if p.cfg.ManagedZone != "" {
		return "/managedZones/" + url.PathEscape(p.cfg.ManagedZone), nil
	}
	var rep struct {
		ManagedZones []struct {
			Name    string `json:"name"`
			DNSName string `json:"dnsName"`
		} `json:"managedZones"`
	}
	if _, err := p.api.Do(ctx, http.MethodGet, "/managedZones?dnsName="+url.QueryEscape(origin), nil, &rep, errMsg); err != nil {
		return "", fmt.Errorf("looking up the managed zone of %s: %w", origin, err)
	}
	for _, z := range rep.ManagedZones {
		if strings.EqualFold(z.DNSName, origin) {
			return "/managedZones/" + url.PathEscape(z.Name), nil
		}
	}
	return "", fmt.Errorf("no managed zone for %s in project %s", origin, p.cfg.Project)
}

func (p *Provider) list(ctx context.Context, zp string) ([]rrset, error) {
	var all []rrset
	token := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		path := zp + "/rrsets?maxResults=1000"
		if token != "" {
			path += "&pageToken=" + url.QueryEscape(token)
		}
		var rep struct {
			RRsets        []rrset `json:"rrsets"`
			NextPageToken string  `json:"nextPageToken"`
		}
		if _, err := p.api.Do(ctx, http.MethodGet, path, nil, &rep, errMsg); err != nil {
			return nil, err
		}
		all = append(all, rep.RRsets...)
		if token = rep.NextPageToken; token == "" {
			return all, nil
		}
	}
}

// Records returns every RRset of the managed zone, SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	zp, err := p.zonePath(ctx, origin)
	if err != nil {
		return nil, fmt.Errorf("googleclouddns: %w", err)
	}
	raw, err := p.list(ctx, zp)
	if err != nil {
		return nil, fmt.Errorf("googleclouddns: reading %s: %w", origin, err)
	}
	sets := make([]zone.RRset, 0, len(raw))
	for _, rs := range raw {
		t, ok := dns.StringToType[strings.ToUpper(rs.Type)]
		if !ok {
			continue // a type only Cloud DNS knows (ALIAS): not twinzone's to write
		}
		name := strings.ToLower(dns.Fqdn(rs.Name))
		set := zone.RRset{Name: name, Type: t, TTL: rs.TTL}
		for _, v := range rs.Rrdatas {
			rr, err := zone.NewRR(name, rs.TTL, t, v)
			if err != nil {
				return nil, fmt.Errorf("googleclouddns: %s %s: %q does not parse: %w", name, rs.Type, v, err)
			}
			_, _, cv := zone.FromRR(rr)
			set.Values = append(set.Values, cv)
		}
		sets = append(sets, set)
	}
	zone.Sort(sets)
	return sets, nil
}

func toAPI(s *zone.RRset) rrset {
	return rrset{Name: s.Name, Type: zone.TypeString(s.Type), TTL: s.TTL, Rrdatas: s.Values}
}

// Apply sends the changes as Changes of at most MaxPerChange additions and deletions each,
// each applied by Cloud DNS as a whole, and waits until each is done.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	origin = strings.ToLower(dns.Fqdn(origin))
	ctx = p.api.Budget(ctx)
	zp, err := p.zonePath(ctx, origin)
	if err != nil {
		return fmt.Errorf("googleclouddns: %w", err)
	}
	// Deletions must match what Cloud DNS holds exactly: send its own form of each old RRset
	// (twinzone's canonical form may spell a value differently). An RRset that changed since
	// the plan is sent as planned, and Cloud DNS refuses the Change.
	raw, err := p.list(ctx, zp)
	if err != nil {
		return fmt.Errorf("googleclouddns: reading %s before the change: %w", origin, err)
	}
	stored := map[zone.Key]rrset{}
	for _, rs := range raw {
		if t, ok := dns.StringToType[strings.ToUpper(rs.Type)]; ok {
			stored[zone.Key{Name: strings.ToLower(dns.Fqdn(rs.Name)), Type: t}] = rs
		}
	}
	type change struct {
		Additions []rrset `json:"additions,omitempty"`
		Deletions []rrset `json:"deletions,omitempty"`
	}
	var cur change
	last := ""
	send := func() error {
		if len(cur.Additions)+len(cur.Deletions) == 0 {
			return nil
		}
		body, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		var rep struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if _, err := p.api.Do(ctx, http.MethodPost, zp+"/changes", body, &rep, errMsg); err != nil {
			return fmt.Errorf("googleclouddns: change of %d additions and %d deletions to %s: %w", len(cur.Additions), len(cur.Deletions), origin, err)
		}
		for i := 0; rep.Status == "pending"; i++ {
			if i == pendingPolls {
				return fmt.Errorf("googleclouddns: change %s to %s still pending after %d reads", rep.ID, origin, pendingPolls)
			}
			t := time.NewTimer(p.cfg.PollWait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("googleclouddns: waiting for change %s: %w", rep.ID, ctx.Err())
			case <-t.C:
			}
			if _, err := p.api.Do(ctx, http.MethodGet, zp+"/changes/"+url.PathEscape(rep.ID), nil, &rep, errMsg); err != nil {
				return fmt.Errorf("googleclouddns: reading change %s: %w", rep.ID, err)
			}
		}
		cur = change{}
		return nil
	}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("googleclouddns: %s: %w", origin, err)
		}
		name := c.Key().Name
		if name != last && max(len(cur.Additions), len(cur.Deletions)) >= MaxPerChange {
			if err := send(); err != nil {
				return err
			}
		}
		if c.Old != nil {
			del := toAPI(c.Old)
			if rs, ok := stored[c.Key()]; ok && same(rs, c.Old) {
				del = rs
			}
			cur.Deletions = append(cur.Deletions, del)
		}
		if c.New != nil {
			cur.Additions = append(cur.Additions, toAPI(c.New))
		}
		last = name
	}
	return send()
}

// same reports whether the stored RRset rs is old in canonical form.
func same(rs rrset, old *zone.RRset) bool {
	if rs.TTL != old.TTL || len(rs.Rrdatas) != len(old.Values) {
		return false
	}
	got := make([]string, 0, len(rs.Rrdatas))
	for _, v := range rs.Rrdatas {
		rr, err := zone.NewRR(old.Name, rs.TTL, old.Type, v)
		if err != nil {
			return false
		}
		_, _, cv := zone.FromRR(rr)
		got = append(got, cv)
	}
	slices.Sort(got)
	return slices.Equal(got, old.Values)
}
