package config

import (
	"net/netip"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Registrar types.
const (
	RegistrarRoute53Domains = "route53domains"
	RegistrarRFC2136        = "rfc2136"
	RegistrarGandi          = "gandi"
	RegistrarDNSimple       = "dnsimple"
	RegistrarPorkbun        = "porkbun"
	RegistrarExec           = "exec"
	RegistrarManual         = "manual"
	RegistrarNameCom        = "namecom"
	RegistrarNamecheap      = "namecheap"
	RegistrarOVH            = "ovh"
	RegistrarGoDaddy        = "godaddy"
)

// RegistrarTypes lists the registrar types twinzone knows.
var RegistrarTypes = []string{RegistrarDNSimple, RegistrarExec, RegistrarGandi, RegistrarGoDaddy, RegistrarManual,
	RegistrarNamecheap, RegistrarNameCom, RegistrarOVH, RegistrarPorkbun, RegistrarRFC2136, RegistrarRoute53Domains}

// Registrar is a named place holding delegations. Exactly one typed field is set, the one
// matching Type (none for manual).
type Registrar struct {
	Name   string
	Type   string
	Line   int
	Column int

	Route53Domains *Route53DomainsRegistrar
	RFC2136        *RFC2136Registrar
	Gandi          *GandiRegistrar
	DNSimple       *DNSimpleRegistrar
	Porkbun        *PorkbunRegistrar
	Exec           *ExecRegistrar
	Manual         *ManualRegistrar
	NameCom        *NameComRegistrar
	Namecheap      *NamecheapRegistrar
	OVH            *OVHRegistrar
	GoDaddy        *GoDaddyRegistrar
}

// NameComRegistrar is Name.com's v4 API (HTTP Basic: username and API token).
type NameComRegistrar struct {
	Username string
	APIToken Secret
	Endpoint string // default https://api.name.com; test: https://api.dev.name.com
}

// NamecheapRegistrar is Namecheap's XML API; calls come only from allow-listed IPv4 addresses.
type NamecheapRegistrar struct {
	APIUser  string
	APIKey   Secret
	UserName string // default APIUser
	ClientIP string // the allow-listed public IPv4 address twinzone calls from
	Endpoint string // default https://api.namecheap.com/xml.response
}

// OVHRegistrar is the OVHcloud API v1 (signed requests).
type OVHRegistrar struct {
	ApplicationKey    string
	ApplicationSecret Secret
	ConsumerKey       Secret
	Endpoint          string // default https://eu.api.ovh.com/1.0
}

// GoDaddyRegistrar is GoDaddy's Domains API v1 (sso-key; restricted accounts, see README).
type GoDaddyRegistrar struct {
	APIKey    Secret
	APISecret Secret
	ShopperID string
	Endpoint  string // default https://api.godaddy.com; OTE: https://api.ote-godaddy.com
}

// Route53DomainsRegistrar is Amazon Route 53 Domains (served from us-east-1).
type Route53DomainsRegistrar struct {
	Region          string // default us-east-1
	Profile         string
	AccessKeyID     Secret
	SecretAccessKey Secret
	Endpoint        string
}

// RFC2136Registrar changes the delegation by dynamic update of the parent zone (labs, own TLDs).
type RFC2136Registrar struct {
	Server  string // host:port of the parent's primary
	Zone    string // the parent zone, absolute lower-case (e.g. "com.")
	KeyName string
	KeyAlg  string
	Key     Secret
}

// GandiRegistrar is Gandi's v5 API (Bearer token).
type GandiRegistrar struct {
	APIToken Secret
	Endpoint string
}

// DNSimpleRegistrar is DNSimple's v2 API.
type DNSimpleRegistrar struct {
	APIToken Secret
	Account  string // account ID
	Endpoint string
}

// PorkbunRegistrar is Porkbun's v3 API (API access must be enabled per domain).
type PorkbunRegistrar struct {
	APIKey       Secret
	SecretAPIKey Secret
	Endpoint     string
}

// ExecRegistrar runs a command (argv, no shell) to set nameservers.
type ExecRegistrar struct {
	Command []string
	// Env names the variables of twinzone's environment the command gets, beyond PATH, HOME
	// and TWINZONE_* (it gets no others: the controller's credentials stay with it).
	Env []string
}

// ManualRegistrar only prints what a human must change.
type ManualRegistrar struct{}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (d *decoder) registrars(n *yaml.Node, path string) map[string]*Registrar {
	out := map[string]*Registrar{}
	ps, _ := d.pairs(n, path)
	for _, p := range ps {
		rpath := join(path, p.name)
		if !nameRE.MatchString(p.name) {
			d.errorf(p.key, path, "registrar name %q: use letters, digits, '_', '-' and '.' (at most 63)", p.name)
			continue
		}
		d.declare(rpath)
		r := &Registrar{Name: p.name, Line: p.key.Line, Column: p.key.Column}
		typ, tnode, ok := d.typeOf(p.val, rpath)
		if !ok {
			continue
		}
		r.Type = typ
		h := map[string]func(string, *yaml.Node){"type": func(string, *yaml.Node) {}}
		val := resolve(p.val)
		var checks []func()
		switch typ {
		case RegistrarRoute53Domains:
			c := &Route53DomainsRegistrar{Region: DefaultAWSRegion}
			r.Route53Domains = c
			d.awsFields(h, &c.Region, &c.Profile, &c.AccessKeyID, &c.SecretAccessKey, &c.Endpoint)
			checks = append(checks, func() { d.checkAWS(val, rpath, c.Profile, c.AccessKeyID, c.SecretAccessKey) })
		case RegistrarRFC2136:
			c := &RFC2136Registrar{KeyAlg: DefaultTSIGAlgorithm}
			r.RFC2136 = c
			d.tsigFields(h, &c.Server, &c.KeyName, &c.KeyAlg, &c.Key)
			h["zone"] = func(path string, v *yaml.Node) {
				var s string
				if !d.str(v, path, &s) || s == "" {
					return
				}
				s = canonicalZoneName(s)
				if !validName(s, false) {
					d.errorf(resolve(v), path, "%q is not a domain name", s)
					return
				}
				c.Zone = s
			}
			checks = append(checks, func() {
				d.checkTSIG(val, rpath, c.Server, c.KeyName, c.Key)
				if c.Zone == "" {
					d.errorf(val, rpath, "missing key \"zone\" (the parent zone, e.g. com.)")
				}
			})
		case RegistrarGandi:
			c := &GandiRegistrar{}
			r.Gandi = c
			h["api_token"] = d.secretField(&c.APIToken, "api_token", "GANDI_API_TOKEN")
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_token", "GANDI_API_TOKEN", &c.APIToken) })
		case RegistrarDNSimple:
			c := &DNSimpleRegistrar{}
			r.DNSimple = c
			h["api_token"] = d.secretField(&c.APIToken, "api_token", "DNSIMPLE_API_TOKEN")
			h["account"] = d.strField(&c.Account)
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_token", "DNSIMPLE_API_TOKEN", &c.APIToken) })
			checks = append(checks, func() {
				if c.Account == "" {
					d.errorf(val, rpath, "missing key \"account\" (the DNSimple account ID)")
				}
			})
		case RegistrarPorkbun:
			c := &PorkbunRegistrar{}
			r.Porkbun = c
			h["api_key"] = d.secretField(&c.APIKey, "api_key", "PORKBUN_API_KEY")
			h["secret_api_key"] = d.secretField(&c.SecretAPIKey, "secret_api_key", "PORKBUN_SECRET_API_KEY")
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_key", "PORKBUN_API_KEY", &c.APIKey) })
			checks = append(checks, func() { d.require(val, rpath, "secret_api_key", "PORKBUN_SECRET_API_KEY", &c.SecretAPIKey) })
		case RegistrarNameCom:
			c := &NameComRegistrar{}
			r.NameCom = c
			h["username"] = d.strField(&c.Username)
			h["api_token"] = d.secretField(&c.APIToken, "api_token", "NAMECOM_API_TOKEN")
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_token", "NAMECOM_API_TOKEN", &c.APIToken) },
				func() { d.requireString(val, rpath, "username", c.Username, "the Name.com account name") })
		case RegistrarNamecheap:
			c := &NamecheapRegistrar{}
			r.Namecheap = c
			h["api_user"] = d.strField(&c.APIUser)
			h["api_key"] = d.secretField(&c.APIKey, "api_key", "NAMECHEAP_API_KEY")
			h["username"] = d.strField(&c.UserName)
			h["client_ip"] = func(path string, v *yaml.Node) {
				var s string
				if !d.str(v, path, &s) || s == "" {
					return
				}
				if ip, err := netip.ParseAddr(s); err != nil || !ip.Is4() {
					d.errorf(resolve(v), path, "%q is not an IPv4 address (Namecheap allow-lists IPv4 only)", s)
					return
				}
				c.ClientIP = s
			}
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_key", "NAMECHEAP_API_KEY", &c.APIKey) },
				func() { d.requireString(val, rpath, "api_user", c.APIUser, "the Namecheap API user") },
				func() {
					if !d.reportedAt(rpath + ".client_ip") {
						d.requireString(val, rpath, "client_ip", c.ClientIP, "this host's public IPv4 address, on the account's API allow-list")
					}
				})
		case RegistrarOVH:
			c := &OVHRegistrar{}
			r.OVH = c
			h["application_key"] = d.strField(&c.ApplicationKey)
			h["application_secret"] = d.secretField(&c.ApplicationSecret, "application_secret", "OVH_APPLICATION_SECRET")
			h["consumer_key"] = d.secretField(&c.ConsumerKey, "consumer_key", "OVH_CONSUMER_KEY")
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.requireString(val, rpath, "application_key", c.ApplicationKey, "the OVH application key") },
				func() { d.require(val, rpath, "application_secret", "OVH_APPLICATION_SECRET", &c.ApplicationSecret) },
				func() { d.require(val, rpath, "consumer_key", "OVH_CONSUMER_KEY", &c.ConsumerKey) })
		case RegistrarGoDaddy:
			c := &GoDaddyRegistrar{}
			r.GoDaddy = c
			h["api_key"] = d.secretField(&c.APIKey, "api_key", "GODADDY_API_KEY")
			h["api_secret"] = d.secretField(&c.APISecret, "api_secret", "GODADDY_API_SECRET")
			h["shopper_id"] = d.strField(&c.ShopperID)
			h["endpoint"] = d.urlField(&c.Endpoint)
			checks = append(checks, func() { d.require(val, rpath, "api_key", "GODADDY_API_KEY", &c.APIKey) },
				func() { d.require(val, rpath, "api_secret", "GODADDY_API_SECRET", &c.APISecret) })
		case RegistrarExec:
			c := &ExecRegistrar{}
			r.Exec = c
			h["command"] = func(path string, v *yaml.Node) {
				for i, item := range d.list(v, path) {
					var s string
					if d.str(item, index(path, i), &s) {
						c.Command = append(c.Command, s)
					}
				}
			}
			h["env"] = func(path string, v *yaml.Node) {
				for i, item := range d.list(v, path) {
					var s string
					if !d.str(item, index(path, i), &s) {
						continue
					}
					if !envNameRE.MatchString(s) {
						d.errorf(resolve(item), index(path, i), "%q is not an environment variable name (letters, digits, '_')", s)
						continue
					}
					c.Env = append(c.Env, s)
				}
			}
			checks = append(checks, func() {
				if len(c.Command) == 0 || c.Command[0] == "" {
					d.errorf(val, rpath, "exec needs command: a list such as [/usr/local/bin/set-ns, --domain]")
				}
			})
		case RegistrarManual:
			r.Manual = &ManualRegistrar{}
		default:
			d.errorf(tnode, join(rpath, "type"), "unknown registrar type %q (known: %s)", typ, strings.Join(RegistrarTypes, ", "))
			continue
		}
		d.fields(p.val, rpath, h)
		for _, c := range checks {
			c()
		}
		out[p.name] = r
	}
	return out
}

// requireString reports a required plain key that is missing.
func (d *decoder) requireString(n *yaml.Node, path, key, value, what string) {
	if value == "" && !d.reportedAt(path+"."+key) {
		d.errorf(n, path, "missing key %q (%s)", key, what)
	}
}

// require reports a required secret that is missing, once its mapping is decoded.
func (d *decoder) require(n *yaml.Node, path, key, example string, s *Secret) {
	// Runs after fields(); a secret already reported (clear text, unset variable) is not
	// reported twice.
	if !s.IsSet() && !d.reportedAt(path+"."+key) {
		d.errorf(n, path, "missing key %q, e.g. %s: ${%s}", key, key, example)
	}
}
