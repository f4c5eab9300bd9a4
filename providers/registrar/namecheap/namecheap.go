// Package namecheap is a registrar adapter for Namecheap's XML API
// (https://www.namecheap.com/support/api/intro/): namecheap.domains.dns.getList to read and
// namecheap.domains.dns.setCustom (SLD, TLD, NameServers comma-separated) to replace the set,
// with the global parameters ApiUser, ApiKey, UserName and ClientIp on every call. The
// parameters are sent as a POST form (Namecheap documents HTTP POST, e.g. for setHosts), never
// in the URL, so the key stays out of proxy and server logs. Replies are <ApiResponse Status="OK|ERROR"> with HTTP 200 either way.
//
// Documented limits: Namecheap answers only requests from IPv4 addresses on the account's API
// allow-list, and ClientIp must be such an address (errors 1011150 "RequestIP is invalid",
// 1017150, 1017105): a controller that fails over from a host whose egress address is not
// listed is refused; this adapter marks those errors permanent and says so, and `check`
// reports the trap. API access itself must be enabled for the account (Namecheap asks for
// account history: domains or spend). The sandbox is https://api.sandbox.namecheap.com with its
// own account. Glue is not sent (child nameservers are registered with namecheap.domains.ns.*
// first); the change is synchronous. The domain is split into SLD (first label) and TLD (the
// rest: "example.co.uk" is example / co.uk).
package namecheap

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/registrar/internal/httpjson"
)

// DefaultEndpoint is Namecheap's production API; SandboxEndpoint its sandbox.
const (
	DefaultEndpoint = "https://api.namecheap.com/xml.response"
	SandboxEndpoint = "https://api.sandbox.namecheap.com/xml.response"
)

// Config configures the adapter.
type Config struct {
	APIUser    string
	APIKey     string // never logged
	UserName   string // default APIUser
	ClientIP   string // the allow-listed public IPv4 address requests come from
	Endpoint   string // default DefaultEndpoint (the full .../xml.response URL)
	HTTPClient *http.Client
}

// Registrar talks to Namecheap.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the adapter.
func New(cfg Config) (*Registrar, error) {
	if cfg.APIUser == "" || cfg.APIKey == "" {
		return nil, fmt.Errorf("namecheap: api user and api key are required")
	}
	if ip, err := netip.ParseAddr(cfg.ClientIP); err != nil || !ip.Is4() {
		return nil, fmt.Errorf("namecheap: client_ip %q must be the allow-listed public IPv4 address twinzone calls from", cfg.ClientIP)
	}
	if cfg.UserName == "" {
		cfg.UserName = cfg.APIUser
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Registrar{cfg: cfg}, nil
}

// reply is an ApiResponse with the two command results twinzone reads.
type reply struct {
	Status string `xml:"Status,attr"`
	Errors []struct {
		Number string `xml:"Number,attr"`
		Text   string `xml:",chardata"`
	} `xml:"Errors>Error"`
	GetList struct {
		Domain      string   `xml:"Domain,attr"`
		Nameservers []string `xml:"Nameserver"`
	} `xml:"CommandResponse>DomainDNSGetListResult"`
	SetCustom struct {
		Updated string `xml:"Updated,attr"`
	} `xml:"CommandResponse>DomainDNSSetCustomResult"`
}

// permanentErrors are the documented global and command error numbers no retry can fix:
// credentials, the IP allow-list, an unknown or foreign domain.
var permanentErrors = []string{"1010101", "1010102", "1011102", "1010104", "1010105", "1011105", "1030408",
	"1011150", "1017150", "1017105", "1017101", "1019103", "1016103", "1017103", "1017410", "1017411",
	"2019166", "2016166", "2030166"}

// allowListErrors are the ones about the request's IP address.
var allowListErrors = []string{"1011150", "1017150", "1017105"}

func split(domain string) (sld, tld string, err error) {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	sld, tld, ok := strings.Cut(d, ".")
	if !ok || sld == "" || tld == "" {
		return "", "", fmt.Errorf("namecheap: %s is not a registered domain name (want sld.tld)", domain)
	}
	return sld, tld, nil
}

func (r *Registrar) call(ctx context.Context, command, domain string, extra url.Values) (*reply, error) {
	sld, tld, err := split(domain)
	if err != nil {
		return nil, err
	}
	form := url.Values{"ApiUser": {r.cfg.APIUser}, "ApiKey": {r.cfg.APIKey}, "UserName": {r.cfg.UserName},
		"ClientIp": {r.cfg.ClientIP}, "Command": {command}, "SLD": {sld}, "TLD": {tld}}
	for k, v := range extra {
		form[k] = v
	}
	u, err := url.Parse(r.cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("namecheap: endpoint: %w", err)
	}
	base := u.Scheme + "://" + u.Host
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/xml, text/xml"}}
	raw, err := httpjson.Send(ctx, r.cfg.HTTPClient, http.MethodPost, base, u.EscapedPath(), hdr, []byte(form.Encode()), nil)
	if err != nil {
		return nil, fmt.Errorf("namecheap: %s: %w", command, err)
	}
	var out reply
	if err := xml.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("namecheap: %s: decode reply: %w", command, err)
	}
	if !strings.EqualFold(out.Status, "OK") || len(out.Errors) > 0 {
		var msgs []string
		permanent, allowList := false, false
		for _, e := range out.Errors {
			msgs = append(msgs, e.Number+" "+strings.TrimSpace(e.Text))
			permanent = permanent || slices.Contains(permanentErrors, e.Number)
			allowList = allowList || slices.Contains(allowListErrors, e.Number)
		}
		err := fmt.Errorf("namecheap: %s %s: %s", command, domain, strings.Join(msgs, "; "))
		if allowList {
			err = fmt.Errorf("%w (Namecheap accepts API calls only from allow-listed IPv4 addresses: add this host's public address, and set client_ip to it)", err)
		}
		if permanent {
			err = registrar.MarkPermanent(err)
		}
		return nil, err
	}
	return &out, nil
}

// Nameservers returns the nameservers Namecheap holds for domain.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	out, err := r.call(ctx, "namecheap.domains.dns.getList", domain, nil)
	if err != nil {
		return nil, err
	}
	return httpjson.Absolute(out.GetList.Nameservers), nil
}

// SetNameservers replaces domain's nameservers.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("namecheap: %s: refusing an empty nameserver set", domain)
	}
	out, err := r.call(ctx, "namecheap.domains.dns.setCustom", domain, url.Values{"NameServers": {strings.Join(httpjson.Bare(set.Names()), ",")}})
	if err != nil {
		return registrar.Operation{}, err
	}
	if !strings.EqualFold(out.SetCustom.Updated, "true") {
		return registrar.Operation{}, fmt.Errorf("namecheap: setCustom %s: reply says Updated=%q", domain, out.SetCustom.Updated)
	}
	return registrar.Operation{}, nil
}
