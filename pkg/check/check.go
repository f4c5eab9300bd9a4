// Package check builds twinzone's readiness report: would this setup survive an outage of one
// DNS provider? Each check produces findings with a severity (ok, warn, fail) and, when not
// ok, the fix. The report is ready when no finding fails.
//
// Checks, per zone:
//   - credentials: each provider's Records and the registrar's Nameservers are called; both
//     are read-only.
//   - transfer: a verify-only provider (provider.ReadOnly, type axfr) answers AXFR and
//     serves the primary's SOA serial (it transferred the latest version).
//   - independence: the registrar is not at the same company as the primary DNS provider
//     (Route 53 Domains with Route 53; Cloudflare Registrar, which cannot delegate elsewhere
//     at all). Registrars of type exec or manual are recognised by their name and command.
//   - glue: nameservers inside the zone whose addresses the registrar would not all send as
//     glue (Route 53 Domains takes one IPv4 and one IPv6 address per nameserver).
//   - cloudflare: Cloudflare as the undelegated secondary (Free-plan zones whose nameservers
//     are not Cloudflare's are deleted after 7 days) and in active-active mode (Cloudflare
//     serves its own apex NS only, unless its multi-provider setting is on), and names
//     proxied on Cloudflare that the zone's proxied key does not list (the other provider
//     would serve their origin addresses).
//   - nameservers: each provider has nameservers with addresses to probe.
//   - ns-ttl-parent / ns-ttl-child: the delegation's NS TTL at the parent's servers, and the
//     apex NS TTL at each provider; over an hour is a warning in switch mode.
//   - delegation: the NS set at the parent is the one the mode asks for (both providers'
//     names in active-active, the primary's in switch mode).
//   - dnssec: when the parent holds DS records, each provider must publish a DNSKEY that one
//     of them matches.
//   - stamp: every address of both providers answers authoritatively with the current sync
//     stamp.
//
// Everything that touches the network is injected through Options, so that tests run each
// check against emulators and in-process DNS servers.
package check

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/stamp"
)

// Severity of a finding.
type Severity string

// Severities, from good to bad.
const (
	OK   Severity = "ok"
	Warn Severity = "warn"
	Fail Severity = "fail"
)

// Check names (the "check" field of a finding).
const (
	CheckCredentials  = "credentials"
	CheckIndependence = "independence"
	CheckCloudflare   = "cloudflare"
	CheckNSTTLParent  = "ns-ttl-parent"
	CheckNSTTLChild   = "ns-ttl-child"
	CheckDNSSEC       = "dnssec"
	CheckStamp        = "stamp"
	// CheckRegistrarTraps reports the registrar's documented limits (registrar.Trapper).
	CheckRegistrarTraps = "registrar-traps"
)

// MaxSwitchNSTTL is the largest NS TTL that does not draw a warning in switch mode.
const MaxSwitchNSTTL = 3600

// DefaultTimeout bounds each DNS query and each API call when Options.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// Finding is one line of the report. Subject names the provider or registrar concerned.
// Messages and fixes never hold secrets.
type Finding struct {
	Zone     string   `json:"zone"`
	Check    string   `json:"check"`
	Subject  string   `json:"subject,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
}

// Report is every finding, in a stable order: zones in config order, checks in the order of
// the package comment.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Ready reports whether no finding fails.
func (r Report) Ready() bool {
	for _, f := range r.Findings {
		if f.Severity == Fail {
			return false
		}
	}
	return true
}

// Count returns how many findings have severity s.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Zone is one zone to check: its configuration and the sync stamp of its zone file
// (plan.StampOf; zero skips the stamp comparison).
type Zone struct {
	Config *config.Zone
	Stamp  stamp.Stamp
}

// ZoneStatuser is implemented by providers that report the zone's status and assigned
// nameservers (the Cloudflare adapter: "active", "pending", "moved", ...).
type ZoneStatuser interface {
	Nameservers(ctx context.Context, origin string) (names []string, status string, err error)
}

// Options are the configuration and every dependency of Run. Config, OpenProvider and
// OpenRegistrar are required.
type Options struct {
	Config *config.Config
	// OpenProvider builds the adapter of a provider (dnsproviders.Open in the CLI).
	OpenProvider func(ctx context.Context, p *config.Provider) (provider.Provider, error)
	// OpenRegistrar builds the adapter of a registrar (registrars.OpenWith in the CLI).
	OpenRegistrar func(ctx context.Context, r *config.Registrar) (registrar.Registrar, error)
	// ParentServers returns where the zone's delegation is published. nil: the registrar's
	// server for an rfc2136 registrar, else the parent zone's NS through Resolve.
	ParentServers func(ctx context.Context, z *config.Zone) ([]netip.AddrPort, error)
	// Resolve looks up nameserver addresses; nil uses the system resolver.
	Resolve probe.Resolver
	// AddrCache holds the last known nameserver addresses (optional).
	AddrCache func(zone string) probe.AddrCache
	// Timeout bounds each DNS query and API call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Logger receives debug lines; nil discards.
	Logger *slog.Logger
}

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (o *Options) resolve() probe.Resolver {
	if o.Resolve != nil {
		return o.Resolve
	}
	return probe.SystemResolver
}

func (o *Options) prober() *probe.Prober {
	return &probe.Prober{Timeout: o.timeout(), Resolve: o.resolve(), Logger: o.logger()}
}

func (o *Options) reader() *delegation.Reader {
	return &delegation.Reader{Timeout: o.timeout(), Logger: o.logger()}
}

// Run checks the given zones and returns the report. It fails only through findings: an
// unreachable provider or a parent that does not answer is a finding, not an error.
func Run(ctx context.Context, opts Options, zones []Zone) Report {
	rep := Report{Findings: []Finding{}}
	for _, z := range zones {
		rep.Findings = append(rep.Findings, runZone(ctx, &opts, z)...)
	}
	return rep
}

// runZone runs every check of one zone, in the documented order.
func runZone(ctx context.Context, o *Options, z Zone) []Finding {
	zc := z.Config
	var out []Finding
	add := func(fs ...Finding) {
		for _, f := range fs {
			f.Zone = zc.Name
			out = append(out, f)
		}
	}
	provs := openProviders(ctx, o, zc)
	add(checkCredentials(ctx, o, zc, provs)...)
	add(checkTransfer(ctx, zc, provs)...)
	add(checkIndependence(o.Config, zc)...)
	add(checkGlue(ctx, o, zc)...)
	add(checkRegistrarTraps(ctx, o, zc)...)
	add(checkCloudflare(ctx, o, zc, provs)...)
	targets, tf := zoneTargets(ctx, o, zc)
	add(tf...)
	del, df := readDelegation(ctx, o, zc)
	add(df...)
	add(checkChildNSTTL(ctx, o, zc, targets)...)
	add(checkDNSSEC(ctx, o, zc, del, targets)...)
	add(checkStamp(ctx, o, zc, z.Stamp, targets)...)
	return out
}
