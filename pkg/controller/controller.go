// Package controller is twinzone's long-running half. It is level-triggered, like a Kubernetes
// controller: every probe round it observes the world (what each provider's nameservers answer
// and which zone version they serve, the delegation the parent's servers publish, the zone file
// on disk, and the shared history of changes that every twinzone process writes) and acts on
// the difference, never on what it remembers. Any other actor (a `twinzone sync` from CI, a
// human's `twinzone failover`/`failback`, another controller, someone at the registrar's web
// UI) is therefore seen within one round.
//
// Per zone, a round is: re-read the zone file if it changed (observe the desired state);
// probe both providers (failover.Tracker turns rounds into verdicts); read the delegation at
// the parent and the shared history (state.History) and tell the engine (failover.Engine) what
// is delegated now and which changes count toward cooldown and the daily cap; decide; and, when
// a change passes the guards, carry it out through the one change path (change.go) that a
// human's `failover`/`failback` takes as well: take the lease, re-read, record the intent,
// ask the registrar, record the outcome, release the lease.
//
// Locking: the lease (state.History.Acquire) is held only around a delegation change (from
// before the registrar call until the outcome is recorded and the parent publishes the new set
// or failover.propagation_timeout passes) and around each periodic sync, never for the whole
// run, so that `twinzone sync` (or a human's `twinzone failover`) can run next to a controller:
// they wait for each other, they never act at once.
//
// Parent servers (where the delegation is read every round and polled after a change) are
// found by delegation.ParentServers, the same function `twinzone check` uses.
package controller

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/metrics"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/reconcile"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Defaults of a Controller.
const (
	DefaultSyncInterval = 5 * time.Minute
	DefaultLockTimeout  = 30 * time.Second
	DefaultParentPoll   = 2 * time.Second
)

// ZoneSpec is one zone to control.
type ZoneSpec struct {
	Config *config.Zone
	// Desired is the parsed zone file (nil: the controller parses Config.File). The controller
	// re-reads Config.File whenever it changes on disk.
	Desired *zone.Zone
}

// ParentReader reads the NS set the parent's servers publish for domain.
type ParentReader func(ctx context.Context, domain string) ([]string, error)

// Options configure New. Config, Zones and Store are required; OpenRegistrar is required for
// zones with a registrar (unless ProbeOnly); the rest is optional.
type Options struct {
	Config *config.Config
	Zones  []ZoneSpec
	// Store is the state directory (the address cache lives there).
	Store *state.Store
	// History is the shared record of changes; nil: Store. pkg/fleet sets its etcd one here.
	History state.History
	// Fleet makes this controller a fleet member (fleet.go): it decides from the fleet's
	// verdicts and acts only while it leads. History must then be Fleet.Store.
	Fleet  *fleet.Coordinator
	Logger *slog.Logger
	// Metrics receives every observation; nil creates a fresh set.
	Metrics *metrics.Metrics
	// OpenRegistrar opens a zone's registrar (the CLI passes registrars.OpenWith); parent reads
	// the delegation the parent's servers publish, for registrars that cannot read it.
	OpenRegistrar func(ctx context.Context, r *config.Registrar, parent ParentReader) (registrar.Registrar, error)
	// Resolve looks up nameserver addresses; nil: the system resolver.
	Resolve probe.Resolver
	// ParentServers overrides the parent servers per zone (absolute lower-case name).
	ParentServers map[string][]netip.AddrPort
	// Sync is the periodic sync: reconcile.RunOnce (the use case of `twinzone sync`) with these
	// options (Open and Adjust; the controller sets the lease, history and logger); nil: no
	// periodic sync. Run syncs every zone every SyncInterval, unless its providers serve a
	// newer version than its file.
	Sync         *reconcile.Options
	SyncInterval time.Duration // default DefaultSyncInterval
	// Listen overrides Config.Controller.Listen for Run's HTTP server; "-" disables it.
	Listen      string
	LockTimeout time.Duration // waiting for the lease before a change; default 30 s
	// RetryEvery overrides every zone's failover.retry_every (tests).
	RetryEvery time.Duration
	ParentPoll time.Duration // polling of the parent after a change; default 2 s
	// RegistrarBackoff is the Runner's backoff between registrar attempts (default 2 s).
	RegistrarBackoff time.Duration
	HTTPClient       *http.Client // webhook client; default: 10 s timeout
	// LoadConfig re-reads the config file when it changes (the CLI passes config.Load); nil: a
	// changed config is only reported. A zone's failover section is applied at its next round;
	// any other change needs a restart and is reported as such.
	LoadConfig func() (*config.Config, error)
	// Now is the clock of manual changes and of the start-up observation; nil: time.Now.
	// (RunOnce takes its time as an argument.)
	Now func() time.Time
	// ProbeOnly skips what probing does not need: no registrar is opened, no parent server
	// looked up, the history is not read (for `twinzone probe`).
	ProbeOnly bool
}

// Controller controls the zones of Options. RunOnce and the manual operations must not be
// called concurrently; Run calls RunOnce itself.
type Controller struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics
	hist    state.History
	zones   []*Zone
	reader  *delegation.Reader
	control []probe.Target
	config  *fileWatch

	health healthState
}

// New builds every zone: probe targets (configured addresses, or names resolved once and kept
// in the state directory), tracker, engine, runner, and a first observation of the delegation
// and the shared history (so that Engine().Current() is what the parent publishes). It makes
// DNS lookups and reads the registrar's view, but makes no provider API call.
func New(ctx context.Context, opts Options) (*Controller, error) {
	if opts.Config == nil || opts.Store == nil {
		return nil, fmt.Errorf("controller: config and state store are required")
	}
	if len(opts.Zones) == 0 {
		return nil, fmt.Errorf("controller: no zone to control")
	}
	c := &Controller{opts: opts, log: opts.Logger, metrics: opts.Metrics, hist: opts.History,
		reader: &delegation.Reader{Logger: opts.Logger}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.metrics == nil {
		c.metrics = metrics.New()
	}
	if opts.Fleet != nil && opts.Fleet.Metrics != nil {
		if err := opts.Fleet.Metrics.Register(c.metrics.Registry); err != nil {
			return nil, fmt.Errorf("controller: fleet metrics: %w", err)
		}
	}
	if c.hist == nil {
		c.hist = opts.Store
	}
	c.config = newFileWatch(opts.Config.File)
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

// parentServers finds where the delegation of zone is published (delegation.ParentServers,
// with the addresses kept in the state directory for when the lookup fails later).
func (c *Controller) parentServers(ctx context.Context, zc *config.Zone) ([]netip.AddrPort, error) {
	if s, ok := c.opts.ParentServers[zc.Name]; ok {
		return s, nil
	}
	pc := delegation.ParentsConfig{Resolve: c.resolve(), Cache: c.opts.Store.AddrCache(zc.Name)}
	if reg := c.opts.Config.Registrars[zc.Registrar]; reg != nil && reg.ParentServer() != "" {
		pc.Server = reg.ParentServer()
	}
	return delegation.ParentServers(ctx, zc.Name, pc)
}

func (c *Controller) resolve() probe.Resolver {
	if c.opts.Resolve != nil {
		return c.opts.Resolve
	}
	return probe.SystemResolver
}

func (c *Controller) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

func durOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
