package state

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// History is the shared record that every twinzone process acting on the same zones reads and
// writes: who may act now (Acquire), the delegation changes (an intent written before the
// registrar call, its outcome after), the last sync, what a controller last observed, and the
// journal. A Store (the state directory) implements it for the processes of one machine;
// pkg/fleet implements it on etcd for controllers on several machines.
//
// Contract, for every implementation:
//
//   - Acquire takes the exclusive right to change zone: its delegation at the registrar, or
//     its providers' records (a sync). It waits until ctx ends and then returns an error
//     wrapping ErrLocked. Zone "" asks for every zone (a `twinzone sync` of several zones). An
//     implementation may lock more than zone (the state directory has one lock for all). The Lease is released by Unlock, and by the holder's death
//     (process exit, or a lease TTL).
//   - The writes that must not race (BeginChange, EndChange, RecordSync) take the Lease and are
//     fenced: once the Lease is no longer held (Unlock called, or lost to a TTL), they fail
//     with an error wrapping ErrLeaseLost and write nothing, so a holder that lost its lock
//     never writes over a newer holder.
//   - ZoneHistory reads the record as it is at the call. Callers re-read it before every
//     decision and never keep it across rounds: other processes write it.
//   - BeginChange is called after the preflight and BEFORE the registrar is asked; EndChange
//     after the registrar answered (accepted or not) and the parent was polled. A Change whose
//     EndChange never came (the process died in between) stays with a zero Finished; since the
//     Lease is held from BeginChange to EndChange, a Lease holder that sees such a Change knows
//     its writer is gone (see Abandoned).
//   - RecordObserved and Append are observations, not decisions: they need no Lease, and a
//     failure is logged by the caller, never a reason to hold back an action.
//   - Names of zones are absolute; implementations compare them lower-cased.
type History interface {
	Acquire(ctx context.Context, zone string) (Lease, error)
	ZoneHistory(ctx context.Context, zone string) (ZoneHistory, error)
	// BeginChange records c (Started, Deadline, Kind, Auto, Nameservers set by the caller) as
	// in flight and returns it with ID set.
	BeginChange(ctx context.Context, l Lease, c Change) (Change, error)
	// EndChange records the outcome of the in-flight change c.ID (Finished, Applied,
	// Confirmed, Error set by the caller).
	EndChange(ctx context.Context, l Lease, c Change) error
	// RecordSync records the outcome of a sync of zone.
	RecordSync(ctx context.Context, l Lease, zone string, s Sync) error
	// RecordObserved records what a controller saw of zone (delegation, verdicts).
	RecordObserved(ctx context.Context, zone string, o Observed) error
	// Append writes one journal event.
	Append(ctx context.Context, ev Event) error
	// Journal returns the latest limit events of zone ("" for all), oldest first; limit <= 0: all.
	Journal(ctx context.Context, zone string, limit int) ([]Event, error)
}

// Lease is the right to act that History.Acquire gave. Unlock is safe to call more than once.
type Lease interface {
	Unlock() error
}

// ErrLeaseLost is returned by a fenced write whose Lease is no longer held.
var ErrLeaseLost = errors.New("state: the lock is no longer held")

// Kinds of a Change.
const (
	ChangeFailover = "failover" // a provider removed from the delegation
	ChangeFailback = "failback" // a provider (or the normal delegation) put back
)

// Change is one delegation change, from its intent to its outcome.
type Change struct {
	ID   string `json:"id"`
	Zone string `json:"zone"` // absolute
	Kind string `json:"kind"` // ChangeFailover or ChangeFailback
	// Auto is true for a controller's own decision (it counts toward max_per_day and starts the
	// cooldown); false for a human's `twinzone failover`/`failback`.
	Auto bool `json:"auto"`
	// Providers are the providers delegated after the change, Nameservers the NS set asked for
	// (absolute lower-case names).
	Providers   []string  `json:"providers"`
	Nameservers []string  `json:"nameservers"`
	Reason      string    `json:"reason,omitempty"`
	Holder      string    `json:"holder,omitempty"` // who made it (host and pid)
	Started     time.Time `json:"started"`
	// Deadline is when the change stops counting as in flight if the parent never publishes
	// it (Started + failover.propagation_timeout).
	Deadline time.Time `json:"deadline"`
	// Finished is zero while the change is in flight (or its writer died before EndChange).
	Finished  time.Time `json:"finished,omitzero"`
	Applied   bool      `json:"applied"`   // the registrar accepted the change
	Confirmed bool      `json:"confirmed"` // the parent's servers published the new set
	Error     string    `json:"error,omitempty"`
}

// Observed is what a controller last saw of a zone (for `status`, and for a process that
// starts while the parent cannot be read).
type Observed struct {
	At time.Time `json:"at"`
	// Delegation is the NS set the parent's servers published (absolute lower-case names).
	Delegation []string `json:"delegation,omitempty"`
	// Verdicts holds the latest health verdict per provider name.
	Verdicts map[string]Verdict `json:"verdicts,omitempty"`
}

// ZoneHistory is the shared record of one zone, as History.ZoneHistory read it.
type ZoneHistory struct {
	Zone string `json:"zone"`
	// Changes are the recent delegation changes, oldest first: at least those of the last
	// KeepChanges, and the latest one whatever its age.
	Changes  []Change `json:"changes,omitempty"`
	LastSync *Sync    `json:"last_sync,omitempty"`
	Observed Observed `json:"observed,omitzero"`
}

// KeepChanges is how long implementations keep changes (the daily cap and cooldown need one
// UTC day at most; the rest is for `status`).
const KeepChanges = 48 * time.Hour

// Last returns the latest change (ok false when there is none).
func (h ZoneHistory) Last() (Change, bool) {
	if len(h.Changes) == 0 {
		return Change{}, false
	}
	return h.Changes[len(h.Changes)-1], true
}

// Abandoned reports whether c was begun but never finished. Only a Lease holder may conclude
// that its writer died (the writer held the Lease until EndChange).
func (c Change) Abandoned() bool { return c.Finished.IsZero() }

// Counts reports whether c changed the delegation: the registrar accepted it, or (abandoned
// by a crash) observed, the delegation the parent publishes, is the set it asked for. A
// change interrupted after the registrar accepted it thus counts toward cooldown and cap.
func (c Change) Counts(observed []string) bool {
	if c.Applied {
		return true
	}
	return c.Abandoned() && len(observed) > 0 && slices.Equal(NormalizeNames(observed), NormalizeNames(c.Nameservers))
}

// Pending reports whether c is still on its way at now: begun (or accepted) but not yet
// published by the parent, and its Deadline not passed. While a change is pending, the set it
// asked for is the effective delegation, whatever the parent still publishes.
func (c Change) Pending(now time.Time) bool {
	if c.Confirmed || (!c.Finished.IsZero() && !c.Applied) {
		return false
	}
	return now.Before(c.Deadline)
}

// Guarded reports whether c counts toward the cooldown and the daily cap at now: made (see
// Counts), still on its way (Pending), or interrupted with an outcome nobody can read (no
// delegation observed): when in doubt, a change counts.
func (c Change) Guarded(observed []string, now time.Time) bool {
	return c.Counts(observed) || c.Pending(now) || (c.Abandoned() && observed == nil)
}

// AutoFailoversOn counts the automatic failovers on t's UTC day that the guards count at t
// (see Guarded): what max_per_day is held against.
func (h ZoneHistory) AutoFailoversOn(t time.Time, observed []string) int {
	day := t.UTC().Format(time.DateOnly)
	n := 0
	for _, c := range h.Changes {
		if c.Auto && c.Kind == ChangeFailover && c.Started.UTC().Format(time.DateOnly) == day && c.Guarded(observed, t) {
			n++
		}
	}
	return n
}

// NormalizeNames lower-cases names, makes them absolute, sorts them and drops duplicates.
func NormalizeNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if !strings.HasSuffix(n, ".") {
			n += "."
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
