package fleet

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Coordinator is what one `twinzone run` member does with the fleet each probe round: publish
// its own view, read everybody's, and get the fleet's verdict and whether it may act. It
// decides nothing itself: the controller acts on Round's result, and only when Act is true.
type Coordinator struct {
	Store   *Store
	Member  *Member
	Quorum  int           // vantage_quorum
	TTL     time.Duration // observation_ttl
	Metrics *Metrics      // optional

	mu    sync.Mutex
	views map[string]ZoneView // this member's latest view, per zone
	last  map[string]Round
}

// Round is the fleet as one member saw it in one round.
type Round struct {
	Verdict      ZoneVerdict
	Observations []Observation // live ones, by member ID
	Leader       string        // who leads ("" unknown)
	// Act is true when this member leads and its session is live: it alone may call the
	// registrar and sync (and its writes are still fenced).
	Act bool
	// Err is set when the fleet could not be read or written (coordination lost): the member
	// then holds, whatever it sees itself.
	Err error
}

// NewCoordinator ties a member's store and runtime together.
func NewCoordinator(s *Store, m *Member, quorum int, ttl time.Duration, metrics *Metrics) *Coordinator {
	return &Coordinator{Store: s, Member: m, Quorum: quorum, TTL: ttl, Metrics: metrics,
		views: map[string]ZoneView{}, last: map[string]Round{}}
}

// Run keeps the member's session and campaign going until ctx ends, then revokes its lease.
func (c *Coordinator) Run(ctx context.Context) {
	c.Member.Run(ctx, time.Second)
	_ = c.Store.Close()
}

// Round publishes this member's view of zone at now and returns the fleet's verdict on it.
// It takes at most a third of the TTL; on error Round.Err is set and Act is false.
func (c *Coordinator) Round(ctx context.Context, now time.Time, zone string, v ZoneView) Round {
	// A third of the TTL: an unreachable etcd must not stall the probe loop for long.
	ctx, cancel := context.WithTimeout(ctx, max(c.TTL/3, time.Second))
	defer cancel()
	zone = normZone(zone)
	c.mu.Lock()
	c.views[zone] = v
	o := Observation{At: now, Zones: maps.Clone(c.views)}
	c.mu.Unlock()
	var r Round
	leader, lerr := c.Store.Leader(ctx)
	o.Leader = leader
	if err := c.Member.Publish(ctx, o); err != nil {
		r.Err = err
	} else if obs, err := c.Store.Observations(ctx); err != nil {
		r.Err = err
	} else {
		r.Observations = obs
		r.Verdict = Aggregate(obs, zone, c.Quorum, c.TTL, now)
		r.Leader = leader
		if lerr != nil {
			r.Err = lerr
		}
	}
	if r.Err == nil {
		r.Err = c.Member.Coordination()
	}
	r.Act = r.Err == nil && c.Member.Leading()
	if r.Err != nil {
		r.Verdict = ZoneVerdict{Zone: zone, Quorum: max(c.Quorum, 1), Providers: map[string]ProviderVerdict{}}
	}
	c.mu.Lock()
	c.last[zone] = r
	c.mu.Unlock()
	if c.Metrics != nil {
		c.Metrics.observe(c.Member.ID, zone, r, now)
	}
	return r
}

// Last returns the latest Round of zone (ok false before the first).
func (c *Coordinator) Last(zone string) (Round, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.last[normZone(zone)]
	return r, ok
}
