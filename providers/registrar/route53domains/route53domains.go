// Package route53domains is the registrar adapter for domains registered with Amazon Route 53
// Domains (aws-sdk-go-v2). The API is served from us-east-1 and is asynchronous:
// SetNameservers calls UpdateDomainNameservers and returns the OperationId; Wait polls
// GetOperationDetail until SUCCESSFUL (nil) or ERROR/FAILED (error). Nameservers reads
// GetDomainDetail. Glue IPs are sent for nameservers inside the domain: at most one IPv4 and
// one IPv6 address each (the first of each family in the nameserver's list), because that is
// all Route 53 Domains takes (botocore's route53domains model, Nameserver.GlueIps: "The list
// can contain only one IPv4 and one IPv6 address"); Glue tells which, for `check`.
//
// Credentials come from the default AWS chain (env, shared config/profile, IMDS...), or from
// static keys in Config. Endpoint overrides the API URL (BaseEndpoint) for tests and
// emulators; AWS_ENDPOINT_URL_ROUTE_53_DOMAINS works too, through the SDK.
package route53domains

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53d "github.com/aws/aws-sdk-go-v2/service/route53domains"
	"github.com/aws/aws-sdk-go-v2/service/route53domains/types"
	"github.com/aws/smithy-go"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// Region is where Route 53 Domains is served.
const Region = "us-east-1"

// Config configures the adapter. Every field is optional.
type Config struct {
	Endpoint        string // API URL override (emulators)
	Profile         string // shared config profile
	AccessKeyID     string // static credentials (with SecretAccessKey); never logged
	SecretAccessKey string
	SessionToken    string
	PollInterval    time.Duration // GetOperationDetail polling; default 15 s
	MaxAttempts     int           // SDK attempts per call (throttling, 5xx); default 3
	MaxBackoff      time.Duration // SDK retry backoff cap; default 20 s
	HTTPClient      *http.Client
}

// Registrar talks to Route 53 Domains.
type Registrar struct {
	client *r53d.Client
	poll   time.Duration
}

var (
	_ registrar.Registrar   = (*Registrar)(nil)
	_ registrar.Waiter      = (*Registrar)(nil)
	_ registrar.GlueLimiter = (*Registrar)(nil)
)

// New loads the AWS configuration (no network call) and returns the adapter. Unlike
// libdns/route53, a configuration that cannot load is an error, never an exit.
func New(cfg Config) (*Registrar, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(Region)}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.AccessKeyID != "" || cfg.SecretAccessKey != "" {
		if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
			return nil, fmt.Errorf("route53domains: access key id and secret access key go together")
		}
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("route53domains: load AWS configuration: %w", err)
	}
	maxAttempts, maxBackoff := cfg.MaxAttempts, cfg.MaxBackoff
	if maxAttempts <= 0 {
		maxAttempts = 3
	}
	if maxBackoff <= 0 {
		maxBackoff = 20 * time.Second
	}
	client := r53d.NewFromConfig(awsCfg, func(o *r53d.Options) {
		o.Region = Region
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxBackoff
		})
	})
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = 15 * time.Second
	}
	return &Registrar{client: client, poll: poll}, nil
}

func bare(domain string) string { return strings.TrimSuffix(strings.ToLower(domain), ".") }

// classify marks throttling and server errors transient, and refused credentials and
// invalid requests (an unknown domain is InvalidInput) permanent.
func classify(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return provider.MarkTransient(err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "OperationLimitExceeded":
			return provider.MarkTransient(err)
		case "UnrecognizedClientException", "AccessDeniedException", "InvalidClientTokenId", "InvalidSignatureException",
			"InvalidInput", "UnsupportedTLD", "TLDRulesViolation":
			return registrar.MarkPermanent(err)
		}
	}
	return err
}

// Nameservers returns the nameservers registered for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	out, err := r.client.GetDomainDetail(ctx, &r53d.GetDomainDetailInput{DomainName: aws.String(bare(domain))})
	if err != nil {
		return nil, fmt.Errorf("route53domains: GetDomainDetail %s: %w", bare(domain), classify(err))
	}
	names := make([]string, 0, len(out.Nameservers))
	for _, ns := range out.Nameservers {
		names = append(names, aws.ToString(ns.Name))
	}
	return httpjson.Absolute(names), nil
}

// SetNameservers submits the change and returns its operation; call Wait for the outcome.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	d := bare(domain)
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("route53domains: %s: refusing an empty nameserver set", d)
	}
	in := &r53d.UpdateDomainNameserversInput{DomainName: aws.String(d)}
	for _, ns := range set {
		name := strings.TrimSuffix(strings.ToLower(ns.Name), ".")
		n := types.Nameserver{Name: aws.String(name)}
		if sent, _ := r.Glue(domain, ns); sent != nil {
			for _, a := range sent {
				n.GlueIps = append(n.GlueIps, a.String())
			}
		} else if inside(name, d) {
			return registrar.Operation{}, fmt.Errorf("route53domains: %s is inside %s and needs glue, but has no address", ns.Name, d)
		}
		in.Nameservers = append(in.Nameservers, n)
	}
	out, err := r.client.UpdateDomainNameservers(ctx, in)
	if err != nil {
		return registrar.Operation{}, fmt.Errorf("route53domains: UpdateDomainNameservers %s: %w", d, classify(err))
	}
	return registrar.Operation{ID: aws.ToString(out.OperationId)}, nil
}

func inside(name, domain string) bool { return strings.HasSuffix(name, "."+domain) }

// Glue returns the glue addresses SetNameservers sends for ns: for a name inside domain, the
// first IPv4 and the first IPv6 address (ports ignored); the others are dropped.
func (r *Registrar) Glue(domain string, ns nameserver.Nameserver) (sent, dropped []netip.Addr) {
	if !inside(strings.TrimSuffix(strings.ToLower(ns.Name), "."), bare(domain)) {
		return nil, nil
	}
	var v4, v6 bool
	seen := map[netip.Addr]bool{}
	for _, ap := range ns.Addrs {
		a := ap.Addr().Unmap()
		if seen[a] {
			continue
		}
		seen[a] = true
		switch {
		case a.Is4() && !v4:
			v4 = true
		case a.Is6() && !v6:
			v6 = true
		default:
			dropped = append(dropped, a)
			continue
		}
		sent = append(sent, a)
	}
	return sent, dropped
}

// Wait polls the operation until it succeeded, failed, or ctx ends.
func (r *Registrar) Wait(ctx context.Context, domain string, op registrar.Operation) error {
	if op.ID == "" {
		return fmt.Errorf("route53domains: %s: no operation id to wait for", bare(domain))
	}
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		out, err := r.client.GetOperationDetail(ctx, &r53d.GetOperationDetailInput{OperationId: aws.String(op.ID)})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("route53domains: operation %s: %w", op.ID, ctx.Err())
			}
			// A failed poll is not a failed operation: keep polling until ctx ends, unless
			// the error is permanent.
			if !errors.Is(classify(err), provider.ErrTransient) {
				return fmt.Errorf("route53domains: GetOperationDetail %s: %w", op.ID, err)
			}
		} else {
			switch out.Status {
			case types.OperationStatusSuccessful:
				return nil
			case types.OperationStatusError, types.OperationStatusFailed:
				return fmt.Errorf("route53domains: operation %s for %s: %s: %s", op.ID, bare(domain), out.Status, aws.ToString(out.Message))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("route53domains: operation %s still pending: %w", op.ID, ctx.Err())
		case <-t.C:
		}
	}
}
