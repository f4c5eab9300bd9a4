package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Provider types.
const (
	TypeCloudflare = "cloudflare"
	TypeRoute53    = "route53"
	TypeRFC2136    = "rfc2136"
	TypeZonefile   = "zonefile"
)

// ProviderTypes lists the provider types twinzone knows.
var ProviderTypes = []string{TypeCloudflare, TypeRFC2136, TypeRoute53, TypeZonefile}

// Provider is a named DNS provider. Exactly one of the typed fields is set, the one matching
// Type.
type Provider struct {
	Name   string
	Type   string
	Line   int // position of the provider's name in the config file
	Column int

	Cloudflare *CloudflareProvider
	Route53    *Route53Provider
	RFC2136    *RFC2136Provider
	Zonefile   *ZonefileProvider
}

// CloudflareProvider is a Cloudflare account's DNS.
type CloudflareProvider struct {
	APIToken  Secret // required; needs Zone.DNS edit (and Zone read) permission
	ZoneID    string // optional; looked up by name when empty
	BatchSize int    // records per batch request; default 200 (Free plan), at most 3500
	Endpoint  string // API base URL override (emulators); empty = Cloudflare
}

// Route53Provider is an Amazon Route 53 hosted zone. Without static keys the AWS SDK's default
// credential chain (environment, shared config, instance role) is used.
type Route53Provider struct {
	HostedZoneID    string // optional; looked up by name when empty (one extra call per operation)
	Region          string // default us-east-1
	Profile         string // shared-config profile; exclusive with static keys
	AccessKeyID     Secret
	SecretAccessKey Secret
	Endpoint        string // API base URL override (emulators)
}

// RFC2136Provider is a server accepting dynamic updates (BIND, Knot, PowerDNS) and AXFR.
type RFC2136Provider struct {
	Server  string // host:port (port defaults to 53)
	KeyName string // TSIG key name, absolute lower-case; empty = no TSIG
	KeyAlg  string // hmac-sha1, hmac-sha224, hmac-sha256 (default), hmac-sha384, hmac-sha512
	Key     Secret // TSIG secret, base64
	Chunk   int    // records per UPDATE message; default 500
}

// ZonefileProvider serves the zone from a file on disk.
type ZonefileProvider struct {
	Path   string // absolute; the file may not exist yet (the first sync creates it)
	Reload string // shell command run after each write; optional
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// TSIGAlgorithms are the accepted key_alg values.
var TSIGAlgorithms = []string{"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"}

func (d *decoder) providers(n *yaml.Node, path string) map[string]*Provider {
	out := map[string]*Provider{}
	ps, _ := d.pairs(n, path)
	for _, p := range ps {
		ppath := join(path, p.name)
		if !nameRE.MatchString(p.name) {
			d.errorf(p.key, path, "provider name %q: use letters, digits, '_', '-' and '.' (at most 63)", p.name)
			continue
		}
		d.declare(ppath)
		pr := &Provider{Name: p.name, Line: p.key.Line, Column: p.key.Column}
		typ, tnode, ok := d.typeOf(p.val, ppath)
		if !ok {
			continue
		}
		pr.Type = typ
		h := map[string]func(string, *yaml.Node){"type": func(string, *yaml.Node) {}}
		switch typ {
		case TypeCloudflare:
			c := &CloudflareProvider{BatchSize: DefaultCloudflareBatch}
			pr.Cloudflare = c
			h["api_token"] = d.secretField(&c.APIToken, "api_token", "CLOUDFLARE_API_TOKEN")
			h["zone_id"] = d.strField(&c.ZoneID)
			h["batch_size"] = func(path string, v *yaml.Node) {
				d.integer(v, path, 1, &c.BatchSize)
				if c.BatchSize > MaxCloudflareBatch {
					d.errorf(resolve(v), path, "%d is out of range: Cloudflare accepts at most %d records per batch", c.BatchSize, MaxCloudflareBatch)
				}
			}
			h["endpoint"] = d.urlField(&c.Endpoint)
		case TypeRoute53:
			c := &Route53Provider{Region: DefaultAWSRegion}
			pr.Route53 = c
			d.awsFields(h, &c.Region, &c.Profile, &c.AccessKeyID, &c.SecretAccessKey, &c.Endpoint)
			h["hosted_zone_id"] = d.strField(&c.HostedZoneID)
		case TypeRFC2136:
			c := &RFC2136Provider{KeyAlg: DefaultTSIGAlgorithm, Chunk: DefaultRFC2136Chunk}
			pr.RFC2136 = c
			d.tsigFields(h, &c.Server, &c.KeyName, &c.KeyAlg, &c.Key)
			h["chunk"] = func(path string, v *yaml.Node) { d.integer(v, path, 1, &c.Chunk) }
		case TypeZonefile:
			c := &ZonefileProvider{}
			pr.Zonefile = c
			h["path"] = func(path string, v *yaml.Node) { d.path(v, path, &c.Path) }
			h["reload"] = d.strField(&c.Reload)
		default:
			d.errorf(tnode, join(ppath, "type"), "unknown provider type %q (known: %s)", typ, strings.Join(ProviderTypes, ", "))
			continue
		}
		d.fields(p.val, ppath, h)
		d.checkProvider(pr, p.val, ppath)
		out[p.name] = pr
	}
	return out
}

// checkProvider reports missing required fields and inconsistent combinations.
func (d *decoder) checkProvider(p *Provider, n *yaml.Node, path string) {
	n = resolve(n)
	switch {
	case p.Cloudflare != nil:
		d.require(n, path, "api_token", "CLOUDFLARE_API_TOKEN", &p.Cloudflare.APIToken)
	case p.Route53 != nil:
		d.checkAWS(n, path, p.Route53.Profile, p.Route53.AccessKeyID, p.Route53.SecretAccessKey)
	case p.RFC2136 != nil:
		d.checkTSIG(n, path, p.RFC2136.Server, p.RFC2136.KeyName, p.RFC2136.Key)
	case p.Zonefile != nil:
		if p.Zonefile.Path == "" {
			d.errorf(n, path, "zonefile needs path")
		}
	}
}

// typeOf reads the mandatory "type" key of a provider or registrar mapping.
func (d *decoder) typeOf(n *yaml.Node, path string) (string, *yaml.Node, bool) {
	ps, ok := d.pairs(n, path)
	if !ok {
		return "", nil, false
	}
	for _, p := range ps {
		if p.name == "type" {
			var t string
			if !d.requiredStr(p.val, join(path, "type"), "type", &t) {
				return "", nil, false
			}
			return strings.ToLower(t), resolve(p.val), true
		}
	}
	d.errorf(resolve(n), path, "missing key \"type\"")
	return "", nil, false
}

func (d *decoder) strField(dst *string) func(string, *yaml.Node) {
	return func(path string, v *yaml.Node) { d.str(v, path, dst) }
}

// secretField decodes a secret that must be written as exactly one ${VAR} reference.
func (d *decoder) secretField(dst *Secret, key, example string) func(string, *yaml.Node) {
	return func(path string, v *yaml.Node) {
		v = resolve(v)
		if isNull(v) {
			return
		}
		if v.Kind != yaml.ScalarNode {
			d.errorf(v, path, "expected a single value, got %s", kindName(v))
			return
		}
		name, ok := soleRef(v.Value)
		if !ok {
			d.errorf(v, path, "key %q must reference an environment variable like ${%s}; secrets are not read from the file", key, example)
			return
		}
		val, set := d.lookup(name)
		switch {
		case !set:
			d.errorf(v, path, "environment variable %s is not set", name)
		case strings.TrimSpace(val) == "":
			d.errorf(v, path, "environment variable %s is empty", name)
		default:
			*dst = NewSecret(strings.TrimSpace(val), name)
		}
	}
}

// urlField decodes an optional http(s) base URL.
func (d *decoder) urlField(dst *string) func(string, *yaml.Node) {
	return func(path string, v *yaml.Node) {
		var s string
		if !d.str(v, path, &s) || s == "" {
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf(resolve(v), path, "%q is not an http(s) URL", s)
			return
		}
		*dst = strings.TrimSuffix(s, "/")
	}
}

func (d *decoder) awsFields(h map[string]func(string, *yaml.Node), region, profile *string, keyID, secret *Secret, endpoint *string) {
	h["region"] = func(path string, v *yaml.Node) {
		if d.str(v, path, region) && *region == "" {
			*region = DefaultAWSRegion
		}
	}
	h["profile"] = d.strField(profile)
	h["access_key_id"] = d.secretField(keyID, "access_key_id", "AWS_ACCESS_KEY_ID")
	h["secret_access_key"] = d.secretField(secret, "secret_access_key", "AWS_SECRET_ACCESS_KEY")
	h["endpoint"] = d.urlField(endpoint)
}

func (d *decoder) checkAWS(n *yaml.Node, path, profile string, keyID, secret Secret) {
	if keyID.IsSet() != secret.IsSet() {
		d.errorf(n, path, "access_key_id and secret_access_key go together: set both or neither")
	}
	if profile != "" && keyID.IsSet() {
		d.errorf(n, path, "set either profile or access_key_id/secret_access_key, not both")
	}
}

func (d *decoder) tsigFields(h map[string]func(string, *yaml.Node), server, keyName, keyAlg *string, key *Secret) {
	h["server"] = func(path string, v *yaml.Node) {
		var s string
		if !d.str(v, path, &s) {
			return
		}
		hp, err := hostPort(s, 53)
		if err != nil {
			d.errorf(resolve(v), path, "%v", err)
			return
		}
		*server = hp
	}
	h["key_name"] = func(path string, v *yaml.Node) {
		var s string
		if !d.str(v, path, &s) || s == "" {
			return
		}
		s = canonicalZoneName(s)
		if !validName(s, false) || s == "." {
			d.errorf(resolve(v), path, "%q is not a valid key name (a domain name such as twinzone.)", s)
			return
		}
		*keyName = s
	}
	h["key_alg"] = func(path string, v *yaml.Node) {
		var s string
		if !d.str(v, path, &s) {
			return
		}
		s = strings.TrimSuffix(strings.ToLower(s), ".")
		if !slices.Contains(TSIGAlgorithms, s) {
			d.errorf(resolve(v), path, "%q is not a supported TSIG algorithm: want %s", s, strings.Join(TSIGAlgorithms, ", "))
			return
		}
		*keyAlg = s
	}
	sec := d.secretField(key, "key", "TSIG_KEY")
	h["key"] = func(path string, v *yaml.Node) {
		sec(path, v)
		if key.IsSet() {
			if _, err := base64.StdEncoding.DecodeString(key.Reveal()); err != nil {
				d.errorf(resolve(v), path, "the value of %s is not a base64 TSIG secret", key.Ref())
				*key = Secret{}
			}
		}
	}
}

func (d *decoder) checkTSIG(n *yaml.Node, path, server, keyName string, key Secret) {
	if server == "" && !d.reportedAt(join(path, "server")) {
		d.errorf(n, path, "missing key \"server\" (host:port)")
	}
	if d.reportedAt(join(path, "key")) || d.reportedAt(join(path, "key_name")) {
		return
	}
	if (keyName != "") != key.IsSet() {
		d.errorf(n, path, "key_name and key go together: set both for TSIG, or neither")
	}
}

// hostPort checks "host" or "host:port" and returns "host:port".
func hostPort(s string, defPort int) (string, error) {
	if s == "" {
		return "", errors.New("empty address: want host or host:port")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a bare host name or IP address (IPv6 without brackets included).
		host, port = strings.Trim(s, "[]"), strconv.Itoa(defPort)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("%q: port must be 1-65535", s)
	}
	if host == "" || strings.ContainsAny(host, " /\t") {
		return "", fmt.Errorf("%q: want host or host:port", s)
	}
	return net.JoinHostPort(host, port), nil
}

// validName reports whether s is an absolute domain name made of letters, digits, '-' and
// '_' labels (and "*" where wildcard is true), within the DNS length limits.
func validName(s string, wildcard bool) bool {
	if s == "." {
		return true
	}
	if !strings.HasSuffix(s, ".") || len(s) > 254 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			case c == '*' && wildcard:
			default:
				return false
			}
		}
	}
	return true
}
