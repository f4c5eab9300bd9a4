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

// Types are the provider types a config may name: the table providers/dns builds (the config
// package knows no provider itself, so adding one touches only its folder and that table).
type Types struct {
	Providers  []ProviderType
	Registrars []RegistrarType // the table providers/registrar builds
}

// ProviderType is one DNS provider type: how its keys decode and the facts `check` uses.
type ProviderType struct {
	Name string // the value of type:, lower-case
	// Decode declares the type's keys on f and returns the settings they fill (a pointer to the
	// type's struct, e.g. *cloudflare.Settings). It runs once per provider block; the values
	// are in place after Load returns, and the checks registered on f have run.
	Decode func(f *Fields) any
	// Company runs the provider's nameservers ("" when self-hosted): `check` compares it with
	// the registrar's company.
	Company string
	// CredentialHint tells a user how to fix a provider whose records cannot be read.
	CredentialHint string
	// VerifyOnly marks a type twinzone reads but never writes (provider.ReadOnly): a zone may
	// use it only as its secondary, fed by zone transfer from the primary, which sync writes.
	VerifyOnly bool
}

// names returns the type names, sorted.
func (t Types) names() []string {
	out := make([]string, 0, len(t.Providers))
	for _, p := range t.Providers {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func (t Types) provider(name string) *ProviderType {
	for i := range t.Providers {
		if t.Providers[i].Name == name {
			return &t.Providers[i]
		}
	}
	return nil
}

// Provider is a named DNS provider.
type Provider struct {
	Name   string
	Type   string
	Line   int // position of the provider's name in the config file
	Column int
	// Settings are the decoded keys, of the type its ProviderType.Decode returns.
	Settings any
	// Spec is the provider's type (its row of the table), never nil after Load.
	Spec *ProviderType `json:"-" yaml:"-"`
}

// LocalFile is implemented by the settings of a provider that writes a file on this machine
// (zonefile): Load refuses a file that is a zone's source or another provider's.
type LocalFile interface {
	LocalFile() string
}

// LocalFile returns the file the provider writes, or "".
func (p *Provider) LocalFile() string {
	if lf, ok := p.Settings.(LocalFile); ok {
		return lf.LocalFile()
	}
	return ""
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
		spec := d.types.provider(typ)
		if spec == nil || spec.Decode == nil {
			d.errorf(tnode, join(ppath, "type"), "unknown provider type %q (known: %s)", typ, strings.Join(d.types.names(), ", "))
			continue
		}
		pr.Spec = spec
		f := &Fields{d: d, node: resolve(p.val), path: ppath,
			h: map[string]func(string, *yaml.Node){"type": func(string, *yaml.Node) {}}}
		pr.Settings = spec.Decode(f)
		d.fields(p.val, ppath, f.h)
		for _, c := range f.checks {
			c()
		}
		out[p.name] = pr
	}
	return out
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
