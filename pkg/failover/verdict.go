package failover

import (
	"fmt"
	"slices"
	"time"

	"github.com/twinzone/twinzone/pkg/probe"
)

// Health is the verdict on one provider, or on the controller itself.
type Health string

const (
	Unknown Health = "unknown" // no good or failing round counted yet
	Up      Health = "up"
	Down    Health = "down"
	CutOff  Health = "cut_off" // the controller's own verdict: everything failed, it only reports
)

// ControllerName is the Transition.Provider of the controller's own Up <-> CutOff transitions.
const ControllerName = "controller"

// ControlProvider is the Provider name of probe results for control targets (addresses that
// prove the controller's own network works); they are never judged themselves.
const ControlProvider = "control"

// Transition is a verdict change, with the results that justified it.
type Transition struct {
	At       time.Time      `json:"at"`
	Provider string         `json:"provider"`
	From     Health         `json:"from"`
	To       Health         `json:"to"`
	Reason   string         `json:"reason"`
	Evidence []probe.Result `json:"evidence,omitempty"` // the failing results of the deciding round
}

// TrackerConfig configures a Tracker.
type TrackerConfig struct {
	Providers    []string // the judged providers (usually primary and secondary)
	Quorum       Quorum   // zero value means all
	FailAfter    int      // consecutive failing rounds before Down (min 1)
	RecoverAfter int      // consecutive good rounds before Down -> Up (min 1)
}

type providerState struct {
	health       Health
	fails, goods int
}

// Tracker turns probe rounds into verdicts. A provider's round is failing when at least the
// quorum of its addresses failed (any result that is not OK fails, a stale stamp included).
// Failing rounds count only while the control probes (any other judged provider's results plus
// ControlProvider results) include an answer (OK, or authoritative with a stale stamp: the
// network path works); a round where nothing at all answered makes the controller CutOff, and
// holds every counter.
// A provider goes Down after FailAfter consecutive counted failing rounds, and back Up after
// RecoverAfter consecutive good rounds; from Unknown, one good round makes it Up.
//
// A Tracker is not safe for concurrent use.
type Tracker struct {
	cfg    TrackerConfig
	states map[string]*providerState
	cutOff bool
}

// NewTracker returns a tracker with every provider Unknown.
func NewTracker(cfg TrackerConfig) (*Tracker, error) {
	if len(cfg.Providers) == 0 {
		return nil, fmt.Errorf("failover tracker: no providers")
	}
	cfg.FailAfter = max(cfg.FailAfter, 1)
	cfg.RecoverAfter = max(cfg.RecoverAfter, 1)
	t := &Tracker{cfg: cfg, states: map[string]*providerState{}}
	for _, p := range cfg.Providers {
		if p == ControlProvider || p == ControllerName {
			return nil, fmt.Errorf("failover tracker: provider name %q is reserved", p)
		}
		if _, dup := t.states[p]; dup {
			return nil, fmt.Errorf("failover tracker: provider %q listed twice", p)
		}
		t.states[p] = &providerState{health: Unknown}
	}
	return t, nil
}

// Health returns the current verdict on provider (Unknown for an unknown name).
func (t *Tracker) Health(provider string) Health {
	if s, ok := t.states[provider]; ok {
		return s.health
	}
	return Unknown
}

// CutOff reports whether the last round found the controller cut off.
func (t *Tracker) CutOff() bool { return t.cutOff }

// Snapshot returns every provider's verdict, plus ControllerName (Up or CutOff).
func (t *Tracker) Snapshot() map[string]Health {
	out := map[string]Health{ControllerName: Up}
	if t.cutOff {
		out[ControllerName] = CutOff
	}
	for p, s := range t.states {
		out[p] = s.health
	}
	return out
}

// Observe counts one round and returns the verdict changes it caused, in provider order
// (the controller's own transition first).
func (t *Tracker) Observe(r probe.Round) []Transition {
	by := r.ByProvider()
	var out []Transition

	cut := len(r.Results) > 0 && !slices.ContainsFunc(r.Results, answered)
	if cut != t.cutOff {
		tr := Transition{At: r.At, Provider: ControllerName, From: Up, To: CutOff,
			Reason: "no probe target answered: the controller itself is cut off", Evidence: failures(r.Results)}
		if !cut {
			tr.From, tr.To, tr.Reason, tr.Evidence = CutOff, Up, "probe targets answer again", nil
		}
		out = append(out, tr)
		t.cutOff = cut
	}
	if cut {
		return out // hold every counter: this round says nothing about the providers
	}

	for _, p := range t.cfg.Providers {
		s := t.states[p]
		results := by[p]
		if len(results) == 0 {
			continue
		}
		failed := failures(results)
		if !t.cfg.Quorum.Failing(len(failed), len(results)) {
			s.fails = 0
			s.goods++
			need := t.cfg.RecoverAfter
			if s.health == Unknown {
				need = 1
			}
			if s.health != Up && s.goods >= need {
				out = append(out, Transition{At: r.At, Provider: p, From: s.health, To: Up,
					Reason: fmt.Sprintf("%d consecutive good rounds", s.goods)})
				s.health = Up
			}
			continue
		}
		if !t.controlOK(p, by) {
			continue // failing, but nothing else answered either: do not count
		}
		s.goods = 0
		s.fails++
		if s.health != Down && s.fails >= t.cfg.FailAfter {
			out = append(out, Transition{At: r.At, Provider: p, From: s.health, To: Down,
				Reason: fmt.Sprintf("%d consecutive rounds with %d of %d addresses failing (quorum %s) while control probes answer",
					s.fails, len(failed), len(results), t.cfg.Quorum),
				Evidence: failed})
			s.health = Down
		}
	}
	return out
}

// controlOK reports whether any result other than provider p's was healthy.
func (t *Tracker) controlOK(p string, by map[string][]probe.Result) bool {
	for name, results := range by {
		if name == p {
			continue
		}
		if slices.ContainsFunc(results, answered) {
			return true
		}
	}
	return false
}

// answered reports whether a result proves the network path works: a good answer, or an
// authoritative answer with a stale stamp.
func answered(r probe.Result) bool { return r.Healthy() || r.Reason == probe.StaleStamp }

func failures(results []probe.Result) []probe.Result {
	var out []probe.Result
	for _, r := range results {
		if !r.Healthy() {
			out = append(out, r)
		}
	}
	return out
}
