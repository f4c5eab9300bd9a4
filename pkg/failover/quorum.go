// Package failover turns probe rounds into per-provider verdicts (Tracker), verdicts into
// delegation decisions (Engine), and decisions into a guarded registrar change (Runner):
// preflight, registrar call with bounded retries, parent polling, journal, webhook, metrics.
//
// Everything here is pure or takes its effects as injected functions: time is passed in,
// probe rounds are passed in, the registrar is an interface. Nothing sleeps unless the
// injected Sleep does.
package failover

import (
	"fmt"
	"strconv"
	"strings"
)

// Quorum says how many of a provider's addresses must fail in one round for the round to count
// as failing: all of them, a strict majority, any one, or at least N.
type Quorum struct {
	kind string // "all", "majority", "any", "n"
	n    int
}

// Predefined quorums.
var (
	QuorumAll      = Quorum{kind: "all"}
	QuorumMajority = Quorum{kind: "majority"}
	QuorumAny      = Quorum{kind: "any"}
)

// QuorumN fails a round when at least n addresses failed (n >= 1; capped to the number of
// addresses probed, so a provider with fewer addresses fails when all of them fail).
func QuorumN(n int) Quorum { return Quorum{kind: "n", n: n} }

// ParseQuorum reads "all", "majority", "any" or a positive integer. Empty means "all".
func ParseQuorum(s string) (Quorum, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "all":
		return QuorumAll, nil
	case "majority":
		return QuorumMajority, nil
	case "any":
		return QuorumAny, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return Quorum{}, fmt.Errorf("quorum %q: want all, majority, any or a positive integer", s)
	}
	return QuorumN(n), nil
}

// String renders the quorum in config syntax.
func (q Quorum) String() string {
	switch q.kind {
	case "n":
		return strconv.Itoa(q.n)
	case "":
		return "all"
	}
	return q.kind
}

// Failing reports whether failed failures out of total probed addresses make a failing round.
// A round without results (total == 0) is never failing: it carries no information.
func (q Quorum) Failing(failed, total int) bool {
	if total <= 0 || failed <= 0 {
		return false
	}
	switch q.kind {
	case "any":
		return true
	case "majority":
		return failed*2 > total
	case "n":
		return failed >= min(q.n, total)
	default: // all
		return failed >= total
	}
}
