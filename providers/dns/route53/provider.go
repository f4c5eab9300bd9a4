package route53

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// Route 53 limits.
const (
	MaxBatchRecords = 1000  // records per ChangeResourceRecordSets request (UPSERT counts twice)
	MaxBatchChars   = 32000 // value characters per request (UPSERT counts twice)
	MaxTTL          = 2147483647
	pageSize        = 300
)

// Config configures a Provider. The zero value of every field but the zone selects a default.
type Config struct {
	// HostedZoneID pins the hosted zone ("Z0123456789"); its name is checked against the zone
	// asked for. Empty: found once per zone with ListHostedZonesByName.
	HostedZoneID string
	Region       string // default us-east-1 (Route 53 is global)
	// Profile is a shared-config profile; AccessKeyID and SecretAccessKey (with an optional
	// SessionToken) give static credentials instead. Neither: the SDK's default chain.
	Profile                                    string
	AccessKeyID, SecretAccessKey, SessionToken string
	// Endpoint overrides the API endpoint ("http://127.0.0.1:port" for the emulator).
	Endpoint string
	// MaxBatchRecords and MaxBatchChars bound one change batch (defaults and maxima: 1000 and
	// 32000).
	MaxBatchRecords, MaxBatchChars int
	// MaxBatchChanges caps the RRsets per batch (0: no cap beyond the limits above); 1 sends
	// one request per RRset, as libdns/route53 does (for comparison benchmarks).
	MaxBatchChanges int
	// ManageApexNS lets Apply change the zone's apex NS RRset.
	ManageApexNS bool
	// WaitInSync makes Apply wait until every change batch it sent is INSYNC, polling every
	// PollInterval (default 5 s) for at most InSyncTimeout (default 10 min).
	WaitInSync                  bool
	PollInterval, InSyncTimeout time.Duration
	// RateLimit is the client-side request rate (default 5/s, Route 53's limit per account);
	// negative means unlimited. Burst defaults to 5.
	RateLimit float64
	Burst     int
	// MaxAttempts bounds one provider call (Records, Apply or Unmanaged): MaxAttempts-1
	// retries in all, shared by every request of the call (default 8), none starting later
	// than RetryBudget after the call began (default 5 min). RetryBase (default 200 ms)
	// doubles per attempt up to RetryMax (default 10 s), with full jitter. RequestTimeout
	// bounds one attempt (default 60 s). See package retry.
	MaxAttempts                                      int
	RetryBase, RetryMax, RetryBudget, RequestTimeout time.Duration
	HTTPClient                                       *http.Client // optional
	Logger                                           *slog.Logger // optional; nil discards
}

// Provider is a Route 53 DNS provider. It is safe for concurrent use.
type Provider struct {
	cfg     Config
	client  *r53.Client
	limiter *rate.Limiter
	log     *slog.Logger

	zmu     sync.Mutex        // serialises zone ID look-ups
	zoneIDs map[string]string // zone name -> hosted zone ID
	mu      sync.Mutex
	snaps   map[string]*snapshot // zone name -> latest listing
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Unmanaged = (*Provider)(nil)
)

// New checks cfg, loads the AWS configuration and credentials (an unknown profile or missing
// credentials is an error, never a process exit) and returns a Provider. It makes no Route 53
// request.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(cfg.Region),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)))
	}
	awsCfg, err := loadConfig(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("route53: load AWS config (profile %q): %w", cfg.Profile, err)
	}
	if awsCfg.Credentials == nil {
		return nil, errors.New("route53: no AWS credentials configured")
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = awsCfg.Credentials.Retrieve(cctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("route53: no usable AWS credentials (profile %q): %w", cfg.Profile, err)
	}
	client := r53.NewFromConfig(awsCfg, func(o *r53.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.Retryer = aws.NopRetryer{}
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
	})
	lim := rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.Burst)
	if cfg.RateLimit < 0 {
		lim = rate.NewLimiter(rate.Inf, 0)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{cfg: cfg, client: client, limiter: lim, log: log,
		zoneIDs: map[string]string{}, snaps: map[string]*snapshot{}}, nil
}

// loadConfig runs the SDK's config loader with panics turned into errors.
func loadConfig(ctx context.Context, opts []func(*config.LoadOptions) error) (cfg aws.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while loading AWS config: %v", r)
		}
	}()
	return config.LoadDefaultConfig(ctx, opts...)
}

func (c *Config) defaults() error {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return errors.New("route53: access key ID and secret access key must be given together")
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("route53: endpoint %q is not an http(s) URL", c.Endpoint)
		}
	}
	c.HostedZoneID = strings.TrimPrefix(c.HostedZoneID, "/hostedzone/")
	if c.MaxBatchRecords == 0 {
		c.MaxBatchRecords = MaxBatchRecords
	}
	if c.MaxBatchChars == 0 {
		c.MaxBatchChars = MaxBatchChars
	}
	if c.MaxBatchRecords < 2 || c.MaxBatchRecords > MaxBatchRecords {
		return fmt.Errorf("route53: max batch records %d outside 2..%d", c.MaxBatchRecords, MaxBatchRecords)
	}
	if c.MaxBatchChars < 512 || c.MaxBatchChars > MaxBatchChars {
		return fmt.Errorf("route53: max batch characters %d outside 512..%d", c.MaxBatchChars, MaxBatchChars)
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	setDur(&c.PollInterval, 5*time.Second)
	setDur(&c.InSyncTimeout, 10*time.Minute)
	setDur(&c.RetryBase, 200*time.Millisecond)
	setDur(&c.RetryMax, 10*time.Second)
	setDur(&c.RetryBudget, 5*time.Minute)
	setDur(&c.RequestTimeout, time.Minute)
	if c.RateLimit == 0 {
		c.RateLimit = 5
	}
	if c.Burst <= 0 {
		c.Burst = 5
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	return nil
}

// supportedTypes are the record types Route 53 holds.
var supportedTypes = map[uint16]bool{
	dns.TypeA: true, dns.TypeAAAA: true, dns.TypeCAA: true, dns.TypeCNAME: true, dns.TypeDS: true,
	dns.TypeHTTPS: true, dns.TypeMX: true, dns.TypeNAPTR: true, dns.TypeNS: true, dns.TypePTR: true,
	dns.TypeSOA: true, dns.TypeSPF: true, dns.TypeSRV: true, dns.TypeSSHFP: true, dns.TypeSVCB: true,
	dns.TypeTLSA: true, dns.TypeTXT: true,
}

// Traits reports Route 53's types, TTL range (0..2^31-1) and whether apex NS is managed.
func (p *Provider) Traits() plan.Traits {
	types := make(map[uint16]bool, len(supportedTypes))
	for t := range supportedTypes {
		types[t] = true
	}
	return plan.Traits{Types: types, MaxTTL: MaxTTL, ApexNSManaged: p.cfg.ManageApexNS}
}

// zoneID returns the hosted zone ID for zoneName, looking it up (or checking the configured
// one) once.
func (p *Provider) zoneID(ctx context.Context, zoneName string) (string, error) {
	p.zmu.Lock()
	defer p.zmu.Unlock()
	if id, ok := p.zoneIDs[zoneName]; ok {
		return id, nil
	}
	var id string
	if p.cfg.HostedZoneID != "" {
		var out *r53.GetHostedZoneOutput
		err := p.call(ctx, "GetHostedZone", func(ctx context.Context) (err error) {
			out, err = p.client.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(p.cfg.HostedZoneID)})
			return err
		})
		if err != nil {
			return "", fmt.Errorf("route53: hosted zone %s: %w", p.cfg.HostedZoneID, err)
		}
		name, err := r53text.FromR53Name(aws.ToString(out.HostedZone.Name))
		if err != nil || name != zoneName {
			return "", fmt.Errorf("route53: hosted zone %s is %q, not %s", p.cfg.HostedZoneID, aws.ToString(out.HostedZone.Name), zoneName)
		}
		id = p.cfg.HostedZoneID
	} else {
		var err error
		if id, err = p.findZone(ctx, zoneName); err != nil {
			return "", err
		}
	}
	p.zoneIDs[zoneName] = id
	return id, nil
}

func (p *Provider) findZone(ctx context.Context, zoneName string) (string, error) {
	sendName, err := r53text.ToR53Name(zoneName)
	if err != nil {
		return "", fmt.Errorf("route53: zone %q: %w", zoneName, err)
	}
	var out *r53.ListHostedZonesByNameOutput
	err = p.call(ctx, "ListHostedZonesByName", func(ctx context.Context) (err error) {
		out, err = p.client.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{
			DNSName: aws.String(sendName), MaxItems: aws.Int32(100)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("route53: look up hosted zone %s: %w", zoneName, err)
	}
	var public, private []string
	for _, z := range out.HostedZones {
		if name, err := r53text.FromR53Name(aws.ToString(z.Name)); err != nil || name != zoneName {
			continue
		}
		id := strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/")
		if z.Config != nil && z.Config.PrivateZone {
			private = append(private, id)
		} else {
			public = append(public, id)
		}
	}
	switch {
	case len(public) == 1:
		return public[0], nil
	case len(public) > 1:
		return "", fmt.Errorf("route53: %d public hosted zones are named %s (%s): set hosted_zone_id", len(public), zoneName, strings.Join(public, ", "))
	case len(private) > 0:
		return "", fmt.Errorf("route53: only private hosted zones are named %s (%s): set hosted_zone_id to use one", zoneName, strings.Join(private, ", "))
	}
	return "", fmt.Errorf("route53: no hosted zone named %s", zoneName)
}
