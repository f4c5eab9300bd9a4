// Package cloudflare is twinzone's Cloudflare DNS adapter. It keeps twinzone's RRset
// semantics (every change replaces one whole RRset, atomically) and makes large syncs take
// seconds by using Cloudflare's batch endpoint.
//
// # What goes through which code
//
// github.com/libdns/cloudflare v0.2.2 has defects a reconciler cannot live with (see
// FACTS.md): SetRecords keeps one value of a multi-value RRset, DeleteRecords deletes every
// SRV/HTTPS/SVCB at a name and cannot delete by record ID, GetRecords panics on a reply
// without result_info and pages 100 records at a time, TXT content is Go-quoted, and every
// write is one request. So:
//
//   - Records lists the zone with this package's own REST client, 5,000 records per page
//     (Cloudflare's documented maximum), and converts records itself.
//   - Apply computes, per changed RRset, the exact record IDs to delete, the records to patch
//     (a new TTL, or a new value in place of an old one, so that a record's comment and tags
//     set in Cloudflare's dashboard survive the change) and the values to post, and sends
//     them through
//     POST /zones/{id}/dns_records/batch, up to Config.BatchSize operations per request, an
//     RRset never split across requests unless it alone exceeds BatchSize. A batch is one
//     transaction, so each RRset is old or new, never half-written.
//   - When the batch endpoint is refused (404 or 403), Apply falls back to one request per
//     record: an old record is patched in place to a new value where possible, so the
//     RRset never disappears; extra values are created, then surplus records deleted. In this
//     mode, new records of the types libdns/cloudflare converts correctly (A, AAAA, CNAME,
//     NS; not MX, whose preference 0 it omits) are created through its AppendRecords when
//     the zone is found by name (no Config.ZoneID), as libdns/cloudflare needs; everything
//     else goes through this package's client. An RRset changed this way is never empty,
//     but it is not atomic: an error part-way leaves it with old and new values mixed.
//   - All requests, libdns/cloudflare's included (its Provider.HTTPClient is this package's
//     client), pass one client-side rate limiter (1,200 requests per 5 minutes by default),
//     a per-attempt timeout, and retries with exponential backoff that honour Retry-After,
//     within one retry budget per Records, Apply or Unmanaged call (Config.Retries and
//     RetryBudget). This is twinzone's only retry layer for Cloudflare: what it gives up on is
//     marked provider.ErrGaveUp, never provider.ErrTransient, so no caller retries it again
//     (package retry). A panic anywhere in
//     Records or Apply is returned as an error.
//
// # Cloudflare specifics
//
//   - TTL 1 means "automatic"; Records reports it as 1 and Traits.AutoTTL is 1, so a plan
//     against such records stays empty. Other TTLs are 60..86400.
//   - Apex NS records are Cloudflare's own (the zone's assigned nameservers); Records reports
//     them, Apply refuses to change them.
//   - Cloudflare serves an SOA record that its API does not list; Records does not report one.
//   - Proxied records (orange cloud) are reported with their origin values. Apply keeps
//     a proxied record as it is when its value stays, and new values of an RRset that has
//     proxied records are created proxied too.
//   - Records Cloudflare manages itself (meta.read_only, for example Email Routing) are not
//     reported by Records; Unmanaged lists them and Apply never touches them.
package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// DefaultEndpoint is Cloudflare's API base URL.
const DefaultEndpoint = "https://api.cloudflare.com/client/v4"

// PerPage is how many records one list request asks for (Cloudflare's maximum).
const PerPage = 5000

// Config configures a Cloudflare provider.
type Config struct {
	APIToken string // scoped API token with Zone.DNS:Edit (and Zone:Read without ZoneID)
	ZoneID   string // optional; without it the zone is looked up by name once
	// BatchSize is the most operations per batch request: 200 on the Free plan (the
	// default), 3,500 on paid plans.
	BatchSize int
	// RecordQuota is the zone's record quota that Validate holds plans to; 0: 1,000 (Free)
	// when BatchSize is the Free plan's 200, else 3,500.
	RecordQuota int
	// MinTTL is the smallest TTL other than 1 (automatic): 60 (the default), 30 on Enterprise.
	MinTTL uint32
	// Endpoint is the API base URL; default DefaultEndpoint.
	Endpoint string
	// RateLimit is the client-side request rate; default 1,200 per 5 minutes. RateBurst is
	// the burst (default 20).
	RateLimit rate.Limit
	RateBurst int
	// Retries is the retry budget of one Records, Apply or Unmanaged call: retries in all,
	// shared by every request of the call and Apply's re-read rounds (default 6; negative:
	// none). RetryBudget is the call's time budget: no retry starts later than that after the
	// call began (default 10 min, so one 5-minute rate-limit block can be waited out).
	// RequestTimeout is per attempt (default 30 s); MaxRetryWait is the longest single wait
	// accepted before a retry (default 5 min). See package retry.
	Retries        int
	RetryBudget    time.Duration
	RequestTimeout time.Duration
	MaxRetryWait   time.Duration
	// HTTPClient sends the requests; nil means a default client.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is a Cloudflare zone. It is safe for concurrent use.
type Provider struct {
	cfg Config
	c   *client
	st  *state // shared with the views WithProxied returns
	// proxied is the config's proxy setting per name (WithProxied); nil: none configured.
	proxied map[string]bool
}

// state is what a Provider learns as it works, shared by its views.
type state struct {
	noBatch atomic.Bool // the batch endpoint was refused

	mu     sync.Mutex
	zones  map[string]zoneInfo              // by origin
	counts map[string]int                   // records in the latest listing, by origin
	seen   map[string]map[string]proxyState // proxy status of names in the latest listing, by origin
}

type zoneInfo struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	NameServers []string `json:"name_servers"`
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Unmanaged = (*Provider)(nil)
)

// New returns a provider for cfg.
func New(cfg Config) (*Provider, error) {
	if cfg.APIToken == "" {
		return nil, errors.New("cloudflare: api_token is required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.MinTTL == 0 {
		cfg.MinTTL = 60
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if _, err := url.Parse(cfg.Endpoint); err != nil {
		return nil, fmt.Errorf("cloudflare: endpoint: %w", err)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = rate.Every(5 * time.Minute / 1200)
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 20
	}
	if cfg.Retries == 0 {
		cfg.Retries = 6
	}
	if cfg.RetryBudget <= 0 {
		cfg.RetryBudget = 10 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 5 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &client{
		base: strings.TrimSuffix(cfg.Endpoint, "/"), token: cfg.APIToken, hc: cfg.HTTPClient,
		lim: rate.NewLimiter(cfg.RateLimit, cfg.RateBurst), retries: max(cfg.Retries, 0),
		total: cfg.RetryBudget, backoff: 500 * time.Millisecond, maxWait: cfg.MaxRetryWait, timeout: cfg.RequestTimeout,
		log: cfg.Logger, sleep: sleepCtx,
	}
	return &Provider{cfg: cfg, c: c, st: &state{zones: map[string]zoneInfo{}, counts: map[string]int{}, seen: map[string]map[string]proxyState{}}}, nil
}

// Traits: Cloudflare's TTL range and automatic TTL, the supported types, apex NS its own.
func (p *Provider) Traits() plan.Traits {
	types := make(map[uint16]bool, len(supported))
	for t := range supported {
		types[t] = true
	}
	return plan.Traits{Types: types, MinTTL: p.cfg.MinTTL, MaxTTL: 86400, AutoTTL: 1}
}

// recoverErr turns a panic into an error.
func recoverErr(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("cloudflare: internal error (panic): %v\n%s", r, debug.Stack())
	}
}

// zoneFor finds the zone's ID (and nameservers) once.
func (p *Provider) zoneFor(ctx context.Context, origin string) (zoneInfo, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	p.st.mu.Lock()
	z, ok := p.st.zones[origin]
	p.st.mu.Unlock()
	if ok {
		return z, nil
	}
	if p.cfg.ZoneID != "" {
		var got zoneInfo
		if _, err := p.c.do(ctx, http.MethodGet, "/zones/"+url.PathEscape(p.cfg.ZoneID), nil, nil, &got); err != nil {
			return z, fmt.Errorf("cloudflare: zone %s: %w", origin, err)
		}
		if fqdn(got.Name) != origin {
			return z, fmt.Errorf("cloudflare: zone ID %s is %q, not %s", p.cfg.ZoneID, got.Name, origin)
		}
		z = got
	} else {
		var got []zoneInfo
		q := url.Values{"name": {strings.TrimSuffix(origin, ".")}}
		if _, err := p.c.do(ctx, http.MethodGet, "/zones", q, nil, &got); err != nil {
			return z, fmt.Errorf("cloudflare: looking up zone %s: %w", origin, err)
		}
		if len(got) != 1 {
			return z, fmt.Errorf("cloudflare: zone %s: %d zones match (the token may lack Zone:Read)", origin, len(got))
		}
		z = got[0]
	}
	if z.Status != "" && z.Status != "active" {
		// A Free zone whose nameservers are not Cloudflare's is "moved", then deleted.
		p.cfg.Logger.WarnContext(ctx, "cloudflare: zone is not active", "zone", origin, "status", z.Status)
	}
	p.st.mu.Lock()
	p.st.zones[origin] = z
	p.st.mu.Unlock()
	return z, nil
}

// Nameservers returns the nameservers Cloudflare assigned to the zone (absolute names) and
// the zone's status ("active", "pending", "moved", ...), from the zone lookup.
func (p *Provider) Nameservers(ctx context.Context, origin string) (names []string, status string, err error) {
	defer recoverErr(&err)
	z, err := p.zoneFor(ctx, origin)
	if err != nil {
		return nil, "", err
	}
	for _, n := range z.NameServers {
		names = append(names, fqdn(n))
	}
	return names, z.Status, nil
}

// list returns every record of the zone, PerPage at a time.
func (p *Provider) list(ctx context.Context, z zoneInfo) ([]record, error) {
	var all []record
	for page := 1; page <= 10000; page++ {
		var recs []record
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(PerPage)}}
		env, err := p.c.do(ctx, http.MethodGet, "/zones/"+url.PathEscape(z.ID)+"/dns_records", q, nil, &recs)
		if err != nil {
			return nil, fmt.Errorf("cloudflare: listing records of %s: %w", z.Name, err)
		}
		all = append(all, recs...)
		if env.ResultInfo == nil || len(recs) == 0 {
			break
		}
		ri := env.ResultInfo
		if ri.TotalPages > 0 && page >= ri.TotalPages {
			break
		}
		if ri.TotalPages == 0 && (ri.PerPage <= 0 || page*ri.PerPage >= ri.TotalCount) {
			break
		}
	}
	return all, nil
}

// current groups the zone's records by RRset key.
type current struct {
	sets     map[zone.Key][]curRecord
	readOnly map[zone.Key]string
}

type curRecord struct {
	value string
	r     record
}

func (p *Provider) current(ctx context.Context, origin string) (zoneInfo, *current, error) {
	z, err := p.zoneFor(ctx, origin)
	if err != nil {
		return z, nil, err
	}
	recs, err := p.list(ctx, z)
	if err != nil {
		return z, nil, err
	}
	p.st.mu.Lock()
	p.st.counts[origin] = len(recs)
	p.st.mu.Unlock()
	cur := &current{sets: map[zone.Key][]curRecord{}, readOnly: map[zone.Key]string{}}
	for _, r := range recs {
		k, v, err := r.parse()
		if err != nil {
			p.cfg.Logger.Warn("cloudflare: record not understood; left alone", "zone", origin, "id", r.ID, "name", r.Name, "type", r.Type, "error", err)
			if t, ok := dns.StringToType[r.Type]; ok {
				cur.readOnly[zone.Key{Name: fqdn(r.Name), Type: t}] = "record not understood by twinzone: " + err.Error()
			}
			continue
		}
		if why := r.managed(); why != "" {
			cur.readOnly[k] = why
			continue
		}
		cur.sets[k] = append(cur.sets[k], curRecord{v, r})
	}
	p.noteProxied(origin, cur)
	return z, cur, nil
}

// Records lists the zone's RRsets in canonical form, apex NS (Cloudflare's) included.
func (p *Provider) Records(ctx context.Context, origin string) (out []zone.RRset, err error) {
	defer recoverErr(&err)
	ctx, _ = p.c.budget(ctx)
	origin = strings.ToLower(dns.Fqdn(origin))
	z, cur, err := p.current(ctx, origin)
	if err != nil {
		return nil, err
	}
	for k, rs := range cur.sets {
		set := zone.RRset{Name: k.Name, Type: k.Type, TTL: uint32(rs[0].r.TTL)}
		for _, r := range rs {
			set.TTL = min(set.TTL, uint32(r.r.TTL))
			set.Values = append(set.Values, r.value)
		}
		if p.proxyDiffers(k, rs) {
			set.TTL = proxyDiffersTTL
		}
		out = append(out, set)
	}
	if _, ok := cur.sets[zone.Key{Name: origin, Type: dns.TypeNS}]; !ok && len(z.NameServers) > 0 {
		ns := zone.RRset{Name: origin, Type: dns.TypeNS, TTL: 86400}
		for _, n := range z.NameServers {
			ns.Values = append(ns.Values, fqdn(n))
		}
		out = append(out, ns)
	}
	zone.Sort(out)
	return out, nil
}

// Unmanaged lists the RRsets Cloudflare manages itself or that twinzone cannot read.
func (p *Provider) Unmanaged(ctx context.Context, origin string) (out []provider.UnmanagedRRset, err error) {
	defer recoverErr(&err)
	ctx, _ = p.c.budget(ctx)
	origin = strings.ToLower(dns.Fqdn(origin))
	_, cur, err := p.current(ctx, origin)
	if err != nil {
		return nil, err
	}
	for k, why := range cur.readOnly {
		out = append(out, provider.UnmanagedRRset{Key: k, Reason: why})
	}
	return out, nil
}
