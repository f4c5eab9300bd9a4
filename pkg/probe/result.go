// Package probe asks every address of every authoritative nameserver directly (RD=0) for the
// apex SOA and the sync stamp, and reports what each one answered.
package probe

import (
	"net/netip"
	"time"

	"github.com/twinzone/twinzone/pkg/stamp"
)

// Reason says why a probe result is good or bad.
type Reason string

const (
	OK          Reason = "ok"
	Timeout     Reason = "timeout"
	Refused     Reason = "refused"
	ServFail    Reason = "servfail"
	NotAuth     Reason = "not_authoritative" // no AA bit, or NOTAUTH
	WrongAnswer Reason = "wrong_answer"      // wrong owner, no SOA, wrong ID/question, other rcode
	StaleStamp  Reason = "stale_stamp"       // answers, but the sync stamp is missing or old
	Unreachable Reason = "unreachable"       // connection refused, network unreachable
	Malformed   Reason = "malformed"         // reply could not be parsed
)

// Target is one address of one nameserver of one provider.
type Target struct {
	Provider   string // provider name from the config
	Nameserver string // absolute name
	Addr       netip.AddrPort
}

// Result is what one target answered in one round.
type Result struct {
	Target
	Reason    Reason
	Transport string // "udp" or "tcp"
	Latency   time.Duration
	Serial    uint32      // SOA serial, when answered
	Stamp     stamp.Stamp // sync stamp seen, when answered
	Detail    string      // human detail for failures (never secrets)
	At        time.Time
}

// Healthy reports whether the result counts as a good answer.
func (r Result) Healthy() bool { return r.Reason == OK }

// Round is every result of one probe round.
type Round struct {
	At      time.Time
	Results []Result
}

// ByProvider groups a round's results by provider name.
func (r Round) ByProvider() map[string][]Result {
	out := map[string][]Result{}
	for _, res := range r.Results {
		out[res.Provider] = append(out[res.Provider], res)
	}
	return out
}
