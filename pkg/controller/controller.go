// Package controller is twinzone's long-running half: per configured zone it probes both
// providers' authoritative addresses, turns rounds into verdicts (failover.Tracker), decides
// delegation changes (failover.Engine) and carries them out (failover.Runner: preflight,
// registrar, parent polling, journal, webhook, metrics). The CLI commands probe, status,
// failover, failback and run are thin layers over it.
//
// Locking: the state directory's action lock is taken only around a delegation change (from
// the registrar call until the state file records the new delegation) and around each
// periodic sync, never for the whole run, so that `twinzone sync` (or a human's `twinzone
// failover`) can run next to a controller: they wait for each other, they never act at once.
//
// Parent servers (where the delegation is read and polled after a change): with an `rfc2136`
// registrar, its `server`; otherwise the parent zone's NS (the zone name without its first
// label), resolved once through the system resolver. Options.ParentServers overrides both.
package controller

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/metrics"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
)

// Defaults of a Controller.
const (
	DefaultSyncInterval = 5 * time.Minute
	DefaultLockTimeout  = 30 * time.Second
	DefaultRetryEvery   = time.Minute
	DefaultParentPoll   = 2 * time.Second
)

// ZoneSpec is one zone to control: its configuration and the sync stamp hash its providers
// must serve (plan.StampHash of the zone file; "" disables the stamp check).
type ZoneSpec struct {
	Config    *config.Zone
	StampHash string
}

// SyncReport is the outcome of syncing one provider of one zone (for metrics).
type SyncReport struct {
	Zone, Provider string
	Err            error
}

// Options configure New. Config, Zones and Store are required; the rest is optional.
type Options struct {
	Config *config.Config
	Zones  []ZoneSpec
	Store  *state.Store
	Logger *slog.Logger
	// Metrics receives every observation; nil creates a fresh set.
	Metrics *metrics.Metrics
	// OpenRegistrar opens a zone's registrar; nil uses registrars.OpenWith (with a reader of
	// the parent's servers, and Out for the manual registrar).
	OpenRegistrar func(ctx context.Context, r *config.Registrar) (registrar.Registrar, error)
	Out           io.Writer
	// Resolve looks up nameserver addresses; nil: the system resolver.
	Resolve probe.Resolver
	// ParentServers overrides the parent servers per zone (absolute lower-case name).
	ParentServers map[string][]netip.AddrPort
	// Sync converges every zone on both providers (the CLI's sync); nil: no periodic sync.
	// Run calls it every SyncInterval, holding the state lock.
	Sync         func(ctx context.Context) []SyncReport
	SyncInterval time.Duration // default DefaultSyncInterval
	// Listen overrides Config.Controller.Listen for Run's HTTP server; "-" disables it.
	Listen      string
	LockTimeout time.Duration // waiting for the state lock before a change; default 30 s
	RetryEvery  time.Duration // pacing of a failed decision; default 1 min
	ParentPoll  time.Duration // polling of the parent after a change; default 2 s
	// RegistrarBackoff is the Runner's backoff between registrar attempts (default 2 s).
	RegistrarBackoff time.Duration
	HTTPClient       *http.Client // webhook client; default: 10 s timeout
	// ProbeOnly skips what probing does not need: no registrar is opened and no parent
	// server looked up (for `twinzone probe`).
	ProbeOnly bool
}

// Controller controls the zones of Options. RunOnce and the manual operations must not be
// called concurrently; Run calls RunOnce itself.
type Controller struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics
	zones   []*Zone
	reader  *delegation.Reader
	control []probe.Target

	health healthState
}

// New builds every zone: probe targets (configured addresses, or names resolved once and kept
// in the state directory), tracker, engine (current delegation from the state file, else from
// the parent's servers, else the normal one) and runner. It makes DNS lookups but no provider
// API call.
func New(ctx context.Context, opts Options) (*Controller, error) {
	if opts.Config == nil || opts.Store == nil {
		return nil, fmt.Errorf("controller: config and state store are required")
	}
	if len(opts.Zones) == 0 {
		return nil, fmt.Errorf("controller: no zone to control")
	}
	c := &Controller{opts: opts, log: opts.Logger, metrics: opts.Metrics, reader: &delegation.Reader{Logger: opts.Logger}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.metrics == nil {
		c.metrics = metrics.New()
	}
	for _, a := range opts.Config.Controller.ControlTargets {
		c.control = append(c.control, probe.Target{Provider: failover.ControlProvider, Nameserver: ".", Addr: a})
	}
	for _, spec := range opts.Zones {
		z, err := c.newZone(ctx, spec)
		if err != nil {
			return nil, err
		}
		c.zones = append(c.zones, z)
	}
	return c, nil
}

// Metrics returns the collectors the controller feeds.
func (c *Controller) Metrics() *metrics.Metrics { return c.metrics }

// Zones returns the controlled zones, in config order.
func (c *Controller) Zones() []*Zone { return slices.Clone(c.zones) }

// Zone returns the controlled zone named name (any case, final dot optional).
func (c *Controller) Zone(name string) (*Zone, bool) {
	name = strings.ToLower(strings.TrimSuffix(name, ".")) + "."
	for _, z := range c.zones {
		if z.Name == name {
			return z, true
		}
	}
	return nil, false
}

// resolvedSet returns set with every nameserver's addresses filled from targets.
func resolvedSet(set nameserver.Set, targets []probe.Target) nameserver.Set {
	out := make(nameserver.Set, 0, len(set))
	for _, ns := range set {
		n := nameserver.Nameserver{Name: ns.Name, Addrs: slices.Clone(ns.Addrs)}
		if len(n.Addrs) == 0 {
			for _, t := range targets {
				if strings.EqualFold(strings.TrimSuffix(t.Nameserver, "."), strings.TrimSuffix(ns.Name, ".")) {
					n.Addrs = append(n.Addrs, t.Addr)
				}
			}
		}
		out = append(out, n)
	}
	return out
}

// parentServers finds where the delegation of zone is published; see the package comment.
func (c *Controller) parentServers(ctx context.Context, zc *config.Zone) (out []netip.AddrPort, _ error) {
	if s, ok := c.opts.ParentServers[zc.Name]; ok {
		return s, nil
	}
	if reg := c.opts.Config.Registrars[zc.Registrar]; reg != nil && reg.ParentServer() != "" {
		ap, err := hostPort(ctx, reg.ParentServer(), c.resolve())
		if err != nil {
			return nil, fmt.Errorf("registrar %s server: %w", reg.Name, err)
		}
		return ap, nil
	}
	parent := zc.Name
	if i := strings.IndexByte(parent, '.'); i >= 0 && i+1 < len(parent) {
		parent = parent[i+1:]
	} else {
		parent = "."
	}
	// The addresses found are kept in the state directory (under a pseudo-name), for when
	// the lookup fails later.
	cache, key := c.opts.Store.AddrCache(zc.Name), "_parent."+parent
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	nss, err := net.DefaultResolver.LookupNS(lctx, parent)
	if err != nil {
		if cached, ok := cache.Addrs(key); ok {
			c.log.Warn("parent NS lookup failed, using the last known addresses", "zone", zc.Name, "parent", parent, "err", err)
			return cached, nil
		}
		return nil, fmt.Errorf("look up the NS of the parent zone %s: %w", parent, err)
	}
	defer func() {
		if len(out) > 0 {
			_ = cache.SetAddrs(key, out)
		}
	}()
	for _, ns := range nss {
		ips, err := c.resolve()(lctx, ns.Host)
		if err != nil {
			continue
		}
		for _, ip := range ips {
			out = append(out, netip.AddrPortFrom(ip.Unmap(), nameserver.DefaultPort))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address for the nameservers of the parent zone %s", parent)
	}
	return out, nil
}

func (c *Controller) resolve() probe.Resolver {
	if c.opts.Resolve != nil {
		return c.opts.Resolve
	}
	return probe.SystemResolver
}

// hostPort parses "ip:port", "ip", or "host:port" (resolved).
func hostPort(ctx context.Context, s string, resolve probe.Resolver) ([]netip.AddrPort, error) {
	if ap, err := nameserver.ParseAddr(s); err == nil {
		return []netip.AddrPort{ap}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = s, "53"
	}
	var p uint16
	if _, err := fmt.Sscan(port, &p); err != nil {
		return nil, fmt.Errorf("bad port in %q", s)
	}
	ips, err := resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var out []netip.AddrPort
	for _, ip := range ips {
		out = append(out, netip.AddrPortFrom(ip.Unmap(), p))
	}
	return out, nil
}
