// Package config loads twinzone.yaml into typed values: it expands ${ENV} references, keeps
// secrets out of the file and out of every printed form, resolves relative paths against the
// config file's folder and validates everything that can be checked without the network.
//
// Every problem is reported as file:line:col with the key path ("twinzone.yaml:12:5:
// zones[0].probe: unknown key \"intervall\""), and Load reports all problems it finds (up to
// MaxErrors) rather than the first.
//
// Decisions worth knowing:
//   - Every string value may contain ${NAME} references, expanded from the environment (or the
//     lookup given to LoadWith); "$$" is a literal "$". An unset variable is an error.
//   - Secret fields (api_token, key, access_key_id, secret_access_key, api_key, token,
//     client_secret, ...: each provider type declares its own with Fields.Secret) must be
//     exactly one ${NAME} reference: credentials are never read from the file.
//   - An empty or missing nameservers list is allowed: the names are discovered later from the
//     provider or the live delegation.
//   - A zone name may be written without the final dot; it is stored absolute and lower-case.
//   - A zone without a registrar loads (plan, sync and probe need none) with a warning when
//     automatic failover is on; a config file that other users may read or write loads with a
//     warning too. Warnings are returned in Config.Warnings, never logged here.
//   - YAML anchors, aliases and merge keys ("<<") work; each merged mapping is expanded once.
//   - A zonefile provider may not write a zone's own source file, nor share a file with
//     another provider.
package config

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
)

// Defaults of the schema.
const (
	DefaultStateDir           = ".twinzone"
	DefaultListen             = "127.0.0.1:9353"
	DefaultMaxChangeFraction  = 0.3
	DefaultMinExisting        = 10
	DefaultProbeInterval      = 10 * time.Second
	DefaultProbeTimeout       = 2 * time.Second
	DefaultFailAfter          = 3
	DefaultRecoverAfter       = 30
	DefaultQuorum             = "all"
	DefaultTCPEvery           = 5
	DefaultCooldown           = time.Hour
	DefaultMaxPerDay          = 2
	DefaultPropagationTimeout = 10 * time.Minute
	DefaultRetryEvery         = time.Minute
	DefaultAWSRegion          = "us-east-1"
	DefaultTSIGAlgorithm      = "hmac-sha256"
)

// Config is a loaded, validated twinzone.yaml. Paths are absolute.
type Config struct {
	File       string                // absolute path of the config file
	Dir        string                // its folder
	StateDir   string                // absolute; default <Dir>/.twinzone
	Providers  map[string]*Provider  // by name
	Registrars map[string]*Registrar // by name
	Zones      []*Zone               // in file order
	Controller Controller
	Log        Log
	Fleet      *Fleet // nil without `fleet:` (one controller; see fleet.go)
	// Warnings are problems that do not stop loading (a config file others can read, a zone
	// without a registrar, ...). Callers print them.
	Warnings []string
}

// Zone returns the zone named name (with or without the final dot, any case).
func (c *Config) Zone(name string) (*Zone, bool) {
	name = canonicalZoneName(name)
	for _, z := range c.Zones {
		if z.Name == name {
			return z, true
		}
	}
	return nil, false
}

// ZoneNames returns the zone names in file order.
func (c *Config) ZoneNames() []string {
	out := make([]string, len(c.Zones))
	for i, z := range c.Zones {
		out[i] = z.Name
	}
	return out
}

// Controller configures `twinzone run`.
type Controller struct {
	Listen string // host:port for /metrics and /healthz; default 127.0.0.1:9353
	// Webhook receives failover events (POST JSON). It is a Secret because webhook URLs often
	// embed a token (Slack, Teams); it may be written in clear text or as ${VAR}.
	Webhook Secret
	// ControlTargets are DNS servers that should always answer; if they fail together with a
	// provider, the controller is cut off and does not fail over.
	ControlTargets []netip.AddrPort
}

// Log configures logging; the command line flags override it.
type Log struct {
	Level  string // debug, info (default), warn, error
	Format string // text (default) or json
}

// Mode is how the delegation uses the two providers.
type Mode string

// Modes.
const (
	ModeActiveActive Mode = "active-active" // delegation = both sets; a dead provider's set is removed
	ModeSwitch       Mode = "switch"        // delegation = primary's set; on failure, the secondary's
)

// Failback says how the delegation returns to normal after a failover.
type Failback string

// Failback policies.
const (
	FailbackManual Failback = "manual"
	FailbackAuto   Failback = "auto"
)

// Zone is one managed zone.
type Zone struct {
	Name         string // absolute, lower-case
	File         string // absolute path of the zone file (exists at load time)
	Line         int    // where the zone's entry starts in the config file
	Primary      ProviderRef
	Secondary    ProviderRef
	Registrar    string // registrar name; empty: no failover possible
	Mode         Mode
	ManageApexNS bool
	Ignore       []IgnoreRule
	Proxied      []Proxied // names Cloudflare proxies, and what the other provider serves for them
	Safety       Safety
	Probe        Probe
	Failover     Failover
}

// ProviderRef is a zone's use of a provider: the provider's name and its nameservers for the
// zone (possibly empty: discovered later).
type ProviderRef struct {
	Provider    string
	Nameservers nameserver.Set
}

// Ref returns the zone's use of the named provider (the primary's when both are the same);
// the zero ProviderRef when the zone does not use it.
func (z *Zone) Ref(provider string) ProviderRef {
	switch provider {
	case z.Primary.Provider:
		return z.Primary
	case z.Secondary.Provider:
		return z.Secondary
	}
	return ProviderRef{}
}

// Providers returns the primary's and the secondary's provider names.
func (z *Zone) Providers() [2]string { return [2]string{z.Primary.Provider, z.Secondary.Provider} }

// Safety limits how much one sync may change.
type Safety struct {
	MaxChangeFraction float64 // 0..1; default 0.3
	MinExisting       int     // the fraction applies only from this many existing RRsets; default 10
}

// Probe configures the data-plane health checks.
type Probe struct {
	Interval     time.Duration // between rounds; default 10s
	Timeout      time.Duration // per query; default 2s
	FailAfter    int           // consecutive failing rounds before down; default 3
	RecoverAfter int           // consecutive good rounds before up; default 30
	// Quorum of addresses that must fail for a round to fail: "all" (default), "majority",
	// "any" or a positive integer as text; failover.ParseQuorum reads it.
	Quorum   string
	TCPEvery int // query over TCP every N rounds; 0 = only on truncation; default 5
}

// Failover configures automatic failover.
type Failover struct {
	Auto               bool          // default true
	Cooldown           time.Duration // minimum time between two failovers; default 1h
	MaxPerDay          int           // default 2
	Failback           Failback      // default manual
	RequireInSync      bool          // the target must serve the current sync stamp; default true
	PropagationTimeout time.Duration // how long to wait for the parent to publish; default 10m
	RetryEvery         time.Duration // pause before retrying a failed change (preflight refused, registrar error); default 1m
}

// IgnoreRule keeps matching records out of twinzone's hands (never created, updated or
// deleted). The matching rules are those of plan.IgnoreRule, which receives Name and Type.
type IgnoreRule struct {
	// Name is an absolute, lower-case glob, matched label by label: a label that is exactly
	// "*" matches zero or more whole labels ("_acme-challenge.*.example.com." covers
	// _acme-challenge at the apex and below every name; "*.example.com." covers the whole zone),
	// and a "*" inside a label ("mail-*") matches any characters within that label. A relative
	// pattern in the file is made absolute by appending the zone name; "@" is the apex.
	Name string
	Type string // record type mnemonic, upper-case ("TXT"); empty matches every type
}

// Match reports whether the rule covers an RRset with this owner (absolute) and type.
func (r IgnoreRule) Match(owner, rrtype string) bool {
	if r.Type != "" && !strings.EqualFold(r.Type, rrtype) {
		return false
	}
	return matchName(splitLabels(r.Name), splitLabels(owner))
}

// Ignored reports whether any rule of the zone covers the owner and type.
func (z *Zone) Ignored(owner, rrtype string) bool {
	return slices.ContainsFunc(z.Ignore, func(r IgnoreRule) bool { return r.Match(owner, rrtype) })
}

func splitLabels(name string) []string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if name == "" {
		return nil
	}
	return strings.Split(name, ".")
}

// matchName matches pattern labels against name labels; a "*" label matches zero or more
// labels. Dynamic programming keeps it O(len(pat) * len(name)).
func matchName(pat, name []string) bool {
	// ok[j]: pat[:i] matches name[:j].
	ok := make([]bool, len(name)+1)
	ok[0] = true
	next := make([]bool, len(name)+1)
	for _, p := range pat {
		clear(next)
		if p == "*" {
			reached := false
			for j := range ok {
				reached = reached || ok[j]
				next[j] = reached
			}
		} else {
			for j := 1; j <= len(name); j++ {
				next[j] = ok[j-1] && matchLabel(p, name[j-1])
			}
		}
		ok, next = next, ok
	}
	return ok[len(name)]
}

// matchLabel matches one label against a pattern where "*" matches any run of characters.
func matchLabel(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	last := parts[len(parts)-1]
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

func canonicalZoneName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}
