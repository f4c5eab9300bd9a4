package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults of the fleet section.
const (
	DefaultFleetPrefix        = "/twinzone/"
	DefaultVantageQuorum      = 2
	DefaultObservationTTL     = 15 * time.Second
	CoordinationLossHold      = "hold"
	minObservationTTL         = 2 * time.Second
	defaultEtcdClientPortHint = "2379"
)

// Fleet configures fleet mode: several `twinzone run` members coordinating through etcd.
// Nil (no `fleet:` in the file): one controller, the state directory is the shared store.
type Fleet struct {
	// ID names this member; it must be unique in the fleet (usually "${TWINZONE_ID}").
	ID   string
	Etcd Etcd
	// VantageQuorum is how many live members that are not cut off must see a provider down
	// before the fleet finds it down.
	VantageQuorum int
	// ObservationTTL is the etcd lease of a member's session: a dead member's observations,
	// locks and leadership expire after it. Longer than every zone's probe interval.
	ObservationTTL time.Duration
	// OnCoordinationLoss is what a member does without etcd; only "hold" (keep probing and
	// reporting, change nothing) exists.
	OnCoordinationLoss string
	Line               int // where the section starts in the config file
}

// Etcd is how to reach the fleet's etcd cluster.
type Etcd struct {
	Endpoints []string // http(s)://host:port
	Prefix    string   // key prefix, starting and ending with "/"
	TLS       EtcdTLS
	Username  string
	Password  Secret // only as ${VAR}
}

// EtcdTLS holds absolute file paths; all empty: no client TLS settings.
type EtcdTLS struct {
	CA, Cert, Key string
}

var memberIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (d *decoder) fleet(n *yaml.Node, path string, cfg *Config) {
	rn := resolve(n)
	if isNull(rn) {
		return
	}
	f := &Fleet{
		Etcd:               Etcd{Prefix: DefaultFleetPrefix},
		VantageQuorum:      DefaultVantageQuorum,
		ObservationTTL:     DefaultObservationTTL,
		OnCoordinationLoss: CoordinationLossHold,
		Line:               rn.Line,
	}
	var etcdNode *yaml.Node
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"id": func(p string, v *yaml.Node) {
			if d.requiredStr(v, p, "member id", &f.ID) && !memberIDRE.MatchString(f.ID) {
				d.errorf(resolve(v), p, "%q is not a member id: letters, digits, '.', '_' and '-', at most 63", f.ID)
			}
		},
		"etcd":           func(p string, v *yaml.Node) { etcdNode = v; d.etcd(v, p, &f.Etcd) },
		"vantage_quorum": func(p string, v *yaml.Node) { d.integer(v, p, 1, &f.VantageQuorum) },
		"observation_ttl": func(p string, v *yaml.Node) {
			d.duration(v, p, minObservationTTL, &f.ObservationTTL)
			if f.ObservationTTL%time.Second != 0 {
				d.errorf(resolve(v), p, "%v is not whole seconds (etcd leases count in seconds)", f.ObservationTTL)
			}
		},
		"on_coordination_loss": func(p string, v *yaml.Node) { d.oneOf(v, p, &f.OnCoordinationLoss, CoordinationLossHold) },
	})
	if f.ID == "" && !d.reportedAt(join(path, "id")) {
		d.errorf(rn, path, `missing key "id" (this member's name, unique in the fleet, e.g. "${TWINZONE_ID}")`)
	}
	if etcdNode == nil {
		d.errorf(rn, path, `missing key "etcd" (endpoints of the etcd cluster)`)
	} else if len(f.Etcd.Endpoints) == 0 && !d.reportedAt(join(path, "etcd.endpoints")) {
		d.errorf(resolve(etcdNode), join(path, "etcd"), `missing key "endpoints" (e.g. [https://etcd1:2379])`)
	}
	if f.VantageQuorum == 1 {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: fleet.vantage_quorum is 1: one member's view alone can move the delegation", d.file, rn.Line))
	}
	cfg.Fleet = f
}

// checkFleetTTL refuses an observation TTL that a zone's probe round would outlast: the
// member's view would expire between two rounds.
func (d *decoder) checkFleetTTL(cfg *Config, n *yaml.Node) {
	if cfg.Fleet == nil {
		return
	}
	for i, z := range cfg.Zones {
		if z.Probe.Interval+z.Probe.Timeout >= cfg.Fleet.ObservationTTL {
			d.errorf(resolve(n), "fleet.observation_ttl", "%v must be longer than zones[%d].probe.interval + timeout (%v): a member's view would expire between its rounds",
				cfg.Fleet.ObservationTTL, i, z.Probe.Interval+z.Probe.Timeout)
			return
		}
	}
}

func (d *decoder) etcd(n *yaml.Node, path string, e *Etcd) {
	var tlsNode *yaml.Node
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"endpoints": func(p string, v *yaml.Node) {
			for i, item := range d.list(v, p) {
				var s string
				if !d.str(item, index(p, i), &s) {
					continue
				}
				if err := checkEndpoint(s); err != nil {
					d.errorf(resolve(item), index(p, i), "%q: %v", s, err)
					continue
				}
				e.Endpoints = append(e.Endpoints, strings.TrimSuffix(s, "/"))
			}
		},
		"prefix": func(p string, v *yaml.Node) {
			if !d.str(v, p, &e.Prefix) {
				return
			}
			if !strings.HasPrefix(e.Prefix, "/") {
				d.errorf(resolve(v), p, "%q must start with \"/\"", e.Prefix)
				return
			}
			if !strings.HasSuffix(e.Prefix, "/") {
				e.Prefix += "/"
			}
		},
		"tls":      func(p string, v *yaml.Node) { tlsNode = v; d.etcdTLS(v, p, &e.TLS) },
		"username": d.strField(&e.Username),
		"password": d.secretField(&e.Password, "password", "ETCD_PASSWORD"),
	})
	rn := resolve(n)
	if (e.Username == "") != !e.Password.IsSet() && !d.reportedAt(join(path, "password")) {
		d.errorf(rn, path, "username and password go together")
	}
	if tlsNode != nil {
		for i, ep := range e.Endpoints {
			if strings.HasPrefix(ep, "http://") {
				d.errorf(rn, index(join(path, "endpoints"), i), "%q is plain http but tls is configured: use https://", ep)
			}
		}
	}
	if e.Password.IsSet() && tlsNode == nil {
		for _, ep := range e.Endpoints {
			if strings.HasPrefix(ep, "http://") {
				if h, _, err := net.SplitHostPort(strings.TrimPrefix(ep, "http://")); err == nil && !isLoopback(h) {
					d.errorf(rn, path, "a password would cross the network in clear text to %s: use https:// endpoints", ep)
					break
				}
			}
		}
	}
}

func (d *decoder) etcdTLS(n *yaml.Node, path string, t *EtcdTLS) {
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"ca":   func(p string, v *yaml.Node) { d.existingPath(v, p, &t.CA) },
		"cert": func(p string, v *yaml.Node) { d.existingPath(v, p, &t.Cert) },
		"key":  func(p string, v *yaml.Node) { d.existingPath(v, p, &t.Key) },
	})
	if (t.Cert == "") != (t.Key == "") && !d.reportedAt(join(path, "cert")) && !d.reportedAt(join(path, "key")) {
		d.errorf(resolve(n), path, "cert and key go together")
	}
}

// existingPath decodes a path that must name an existing regular file.
func (d *decoder) existingPath(n *yaml.Node, path string, dst *string) {
	if !d.path(n, path, dst) {
		return
	}
	st, err := os.Stat(*dst)
	switch {
	case err != nil:
		d.errorf(resolve(n), path, "%s: %v", *dst, fileErr(err))
		*dst = ""
	case !st.Mode().IsRegular():
		d.errorf(resolve(n), path, "%s is not a regular file", *dst)
		*dst = ""
	}
}

func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("want http(s)://host:port, e.g. https://etcd1:%s", defaultEtcdClientPortHint)
	}
	if _, port, err := net.SplitHostPort(u.Host); err != nil {
		return fmt.Errorf("missing port, e.g. %s://%s:%s", u.Scheme, u.Host, defaultEtcdClientPortHint)
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port must be 1-65535")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
