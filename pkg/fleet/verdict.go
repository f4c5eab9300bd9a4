package fleet

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Provider health as members report it and as the fleet decides it.
const (
	Up      = "up"
	Down    = "down"
	Unknown = "unknown"
)

// Observation is what one member saw in its latest probe round, published under its lease.
type Observation struct {
	Member string              `json:"member"`
	At     time.Time           `json:"at"`
	Zones  map[string]ZoneView `json:"zones"`
	// Leader is the member this one believes leads (for status: a split view shows here).
	Leader string `json:"leader,omitempty"`
}

// ZoneView is one member's view of one zone.
type ZoneView struct {
	// Verdicts: provider name -> Up, Down or Unknown (the member's own verdict, after its
	// fail_after/recover_after counting).
	Verdicts map[string]string `json:"verdicts"`
	// CutOff is true when the member's control probes failed too: its own network is the
	// problem, so its votes do not count.
	CutOff bool `json:"cut_off,omitempty"`
	// Generation is the newest zone generation the member knows (nil: none).
	Generation *uint32 `json:"generation,omitempty"`
	// Delegation is the NS set the member saw at the parent's servers.
	Delegation []string `json:"delegation,omitempty"`
}

// ProviderVerdict is the fleet's verdict on one provider of a zone, with its tally.
type ProviderVerdict struct {
	Status  string `json:"status"`
	Down    int    `json:"down"` // votes of the voters
	Up      int    `json:"up"`
	Unknown int    `json:"unknown"`
	Voters  int    `json:"voters"` // live members not cut off
	Reason  string `json:"reason"`
}

// ZoneVerdict is the fleet's verdict on every provider of a zone.
type ZoneVerdict struct {
	Zone      string                     `json:"zone"`
	Live      int                        `json:"live"`    // members whose observation is fresh
	CutOff    int                        `json:"cut_off"` // of those, cut off
	Quorum    int                        `json:"quorum"`
	Providers map[string]ProviderVerdict `json:"providers"`
}

// Quorate reports whether enough members can vote for a provider ever to be found down.
func (v ZoneVerdict) Quorate() bool { return v.Live-v.CutOff >= v.Quorum }

// Aggregate is the fleet verdict, a pure function of the observations: a provider is Down
// only when at least quorum live members that are not cut off see it down; Up when it is not
// Down and at least one voter sees it up; Unknown otherwise (no voter has a verdict, or fewer
// voters than the quorum saw it down while nobody saw it up). An observation is live when
// its time is within ttl of now (etcd drops a dead member's key with its lease; ttl also
// drops a member that stopped probing but still renews its lease). quorum below 1 counts as 1.
func Aggregate(obs []Observation, zone string, quorum int, ttl time.Duration, now time.Time) ZoneVerdict {
	zone = normZone(zone)
	quorum = max(quorum, 1)
	v := ZoneVerdict{Zone: zone, Quorum: quorum, Providers: map[string]ProviderVerdict{}}
	var voters []ZoneView
	for _, o := range obs {
		if age := now.Sub(o.At); age > ttl || age < -ttl {
			continue
		}
		zv, ok := lookupZone(o.Zones, zone)
		if !ok {
			continue
		}
		v.Live++
		if zv.CutOff {
			v.CutOff++
			continue
		}
		voters = append(voters, zv)
	}
	var names []string
	for _, zv := range voters {
		for p := range zv.Verdicts {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range slices.Compact(names) {
		pv := ProviderVerdict{Voters: len(voters)}
		for _, zv := range voters {
			switch zv.Verdicts[p] {
			case Down:
				pv.Down++
			case Up:
				pv.Up++
			default:
				pv.Unknown++
			}
		}
		switch {
		case pv.Down >= quorum:
			pv.Status, pv.Reason = Down, fmt.Sprintf("%d of %d voting members see it down (quorum %d)", pv.Down, pv.Voters, quorum)
		case pv.Up > 0:
			pv.Status, pv.Reason = Up, fmt.Sprintf("%d of %d voting members see it up, %d down (quorum %d)", pv.Up, pv.Voters, pv.Down, quorum)
		default:
			pv.Status, pv.Reason = Unknown, fmt.Sprintf("%d of %d voting members see it down, quorum %d not reached", pv.Down, pv.Voters, quorum)
		}
		v.Providers[p] = pv
	}
	return v
}

func lookupZone(m map[string]ZoneView, zone string) (ZoneView, bool) {
	if zv, ok := m[zone]; ok {
		return zv, true
	}
	for k, zv := range m {
		if normZone(k) == zone {
			return zv, true
		}
	}
	return ZoneView{}, false
}

// Generation returns the newest zone generation any live observation knows (nil: none), so
// that the leader never pushes a zone older than one a member has seen.
func Generation(obs []Observation, zone string, ttl time.Duration, now time.Time) *uint32 {
	zone = normZone(zone)
	var best *uint32
	for _, o := range obs {
		if age := now.Sub(o.At); age > ttl || age < -ttl {
			continue
		}
		if zv, ok := lookupZone(o.Zones, zone); ok && zv.Generation != nil && (best == nil || newer(*zv.Generation, *best)) {
			g := *zv.Generation
			best = &g
		}
	}
	return best
}

// newer compares SOA serials by RFC 1982 serial arithmetic.
func newer(a, b uint32) bool { return a != b && int32(a-b) > 0 }

// String summarises a provider verdict for logs.
func (p ProviderVerdict) String() string {
	return strings.TrimSpace(p.Status + ": " + p.Reason)
}
