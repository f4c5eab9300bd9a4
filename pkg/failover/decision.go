package failover

import (
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
)

// Mode is the delegation mode of a zone.
type Mode string

const (
	// Switch delegates to the primary's set; when the primary is down, to the secondary's.
	Switch Mode = "switch"
	// ActiveActive delegates to both sets; a down provider's names are removed.
	ActiveActive Mode = "active-active"
)

// FailbackPolicy says whether the normal delegation comes back by itself.
type FailbackPolicy string

const (
	FailbackManual FailbackPolicy = "manual" // wait for `twinzone failback`
	FailbackAuto   FailbackPolicy = "auto"   // restore once the provider is Up again (recover_after)
)

// Kind is what a Decision does.
type Kind string

const (
	None     Kind = "none"
	Failover Kind = "failover" // remove a down provider from the delegation
	Restore  Kind = "failback" // put the normal delegation (or a recovered provider) back
)

// Policy holds the guards of automatic decisions.
type Policy struct {
	Mode      Mode
	Auto      bool           // act automatically; false: decisions are only reported (Blocked)
	Cooldown  time.Duration  // minimum time since the last applied change
	MaxPerDay int            // automatic failovers per UTC day; 0 means unlimited
	Failback  FailbackPolicy // empty means manual
}

// EngineConfig configures an Engine.
type EngineConfig struct {
	Policy
	Primary, Secondary       string // provider names
	PrimarySet, SecondarySet nameserver.Set
}

// Decision is what the engine wants done with the delegation.
type Decision struct {
	Kind      Kind           `json:"kind"`
	Providers []string       `json:"providers,omitempty"` // providers delegated after the change
	Set       nameserver.Set `json:"set,omitempty"`       // the new NS set (union of their sets)
	Reason    string         `json:"reason"`
	// Blocked is set when a change is wanted but a guard (auto off, cut off, cooldown, daily
	// cap, manual failback) holds it back; Kind is None then and Wanted says what was wanted.
	// Hold is the guard's stable name (the reason label of twinzone_failover_blocked).
	Blocked  string         `json:"blocked,omitempty"`
	Hold     Hold           `json:"hold,omitempty"`
	Wanted   Kind           `json:"wanted,omitempty"`
	Evidence []probe.Result `json:"evidence,omitempty"`
}

// Hold names why a wanted change was not made: the reason label of the metric
// twinzone_failover_blocked and of `run`'s "held back" log line.
type Hold string

const (
	HoldCutOff         Hold = "cut_off"         // no probe target answered: the controller itself is cut off
	HoldAutoOff        Hold = "auto_off"        // failover.auto is false (or no registrar)
	HoldManualFailback Hold = "manual_failback" // failback: manual waits for `twinzone failback`
	HoldCooldown       Hold = "cooldown"        // the last automatic change is younger than failover.cooldown
	HoldDailyCap       Hold = "daily_cap"       // failover.max_per_day automatic failovers today (UTC)
	HoldPreflight      Hold = "preflight"       // the preflight refused the target (or the parent's DS could not be read)
	HoldRegistrar      Hold = "registrar"       // the registrar refused or failed (or the state lock was busy)
	// Fleet mode (pkg/fleet): only the leader acts, and nobody without etcd.
	HoldNotLeader    Hold = "not_leader"        // another fleet member leads: it acts
	HoldCoordination Hold = "coordination_lost" // no live etcd session: the member holds
)

// Holds lists every Hold, for metrics.
var Holds = []Hold{HoldCutOff, HoldAutoOff, HoldManualFailback, HoldCooldown, HoldDailyCap, HoldPreflight, HoldRegistrar,
	HoldNotLeader, HoldCoordination}

// Record is what the guards read from the shared history of changes (state.History), which the
// controller re-reads and sets with SetRecord before every decision: the engine keeps no history
// that another process could not see.
type Record struct {
	// LastAuto and LastManual are when the last automatic and manual (a human's `failover` or
	// `failback`) changes that changed the delegation started.
	LastAuto, LastManual time.Time
	// AutoFailovers counts automatic failovers per UTC day ("2006-01-02"). Manual changes never
	// count toward max_per_day.
	AutoFailovers map[string]int
}
