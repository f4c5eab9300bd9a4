package plan

import (
	"errors"
	"fmt"
)

// ErrUnsafe marks a plan refused by a safety policy. Check with errors.Is; `--force` skips
// the policies.
var ErrUnsafe = errors.New("unsafe plan")

// Policy decides whether a plan may be applied. Check returns nil to allow it, or an error
// marked with ErrUnsafe that says why not.
type Policy interface {
	Check(p *Plan) error
}

// Check runs every policy on p and joins their refusals.
func Check(p *Plan, policies ...Policy) error {
	var errs []error
	for _, pol := range policies {
		if err := pol.Check(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Default safety thresholds (config: safety.max_change_fraction, safety.min_existing).
const (
	DefaultMaxChangeFraction = 0.3
	DefaultMinExisting       = 10
)

// DefaultPolicies are the policies sync applies unless told otherwise.
func DefaultPolicies() []Policy {
	return []Policy{MaxChangeFraction{Fraction: DefaultMaxChangeFraction, MinExisting: DefaultMinExisting}, NoDeleteAll{}}
}

// Touched counts the changes that modify or remove an RRset present on the provider (updates
// and deletes), the sync stamp excluded.
func (p *Plan) Touched() int {
	n := 0
	for _, c := range p.Changes {
		if c.Action != Create && !p.IsStamp(c) {
			n++
		}
	}
	return n
}

// MaxChangeFraction refuses a plan that would update or delete more than Fraction of the
// managed RRsets on a provider holding at least MinExisting of them. Creations do not count:
// a first sync into an empty provider is always allowed.
type MaxChangeFraction struct {
	Fraction    float64
	MinExisting int
}

// Check implements Policy.
func (m MaxChangeFraction) Check(p *Plan) error {
	if p.Existing == 0 || p.Existing < m.MinExisting {
		return nil
	}
	touched := p.Touched()
	if float64(touched) <= m.Fraction*float64(p.Existing) {
		return nil
	}
	return fmt.Errorf("%w: %s: the plan updates or deletes %d of %d existing RRsets (%.1f%%), above max_change_fraction %.0f%%; check the plan, then use --force",
		ErrUnsafe, p.label(), touched, p.Existing, 100*float64(touched)/float64(p.Existing), 100*m.Fraction)
}

// NoDeleteAll refuses a plan that deletes every managed RRset on the provider, which is what an
// empty or truncated zone file would ask for.
type NoDeleteAll struct{}

// Check implements Policy.
func (NoDeleteAll) Check(p *Plan) error {
	if p.Existing == 0 {
		return nil
	}
	deletes := 0
	for _, c := range p.Changes {
		if p.IsStamp(c) {
			continue
		}
		if c.Action != Delete {
			// Something managed remains: a first sync that replaces a provider's stray
			// records is not an empty zone file.
			return nil
		}
		deletes++
	}
	if deletes < p.Existing {
		return nil
	}
	return fmt.Errorf("%w: %s: the plan deletes all %d managed RRsets and keeps none; is the zone file empty? use --force if this is intended",
		ErrUnsafe, p.label(), p.Existing)
}

func (p *Plan) label() string {
	if p.Provider != "" {
		return p.Origin + " on " + p.Provider
	}
	return p.Origin
}
