package r53emu

import (
	"math/rand"
	"time"

	"golang.org/x/time/rate"
)

// Fault is a failure the emulator can inject instead of (or around) handling a request.
type Fault int

const (
	FaultNone         Fault = iota
	FaultServerError        // HTTP 500 InternalFailure, request not handled
	FaultUnavailable        // HTTP 503 ServiceUnavailable, request not handled
	FaultThrottle           // HTTP 400 Throttling "Rate exceeded", request not handled
	FaultPriorRequest       // HTTP 400 PriorRequestNotComplete, request not handled
	FaultDrop               // connection closed before the request is handled
	FaultDropAfter          // request handled (a write is applied), then the connection closed without a reply
	FaultTimeout            // no reply until the client gives up (or the hold time passes); not handled
)

// AllFaults lists every fault kind, for random injection.
var AllFaults = []Fault{FaultServerError, FaultUnavailable, FaultThrottle, FaultPriorRequest,
	FaultDrop, FaultDropAfter, FaultTimeout}

func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultServerError:
		return "500"
	case FaultUnavailable:
		return "503"
	case FaultThrottle:
		return "throttling"
	case FaultPriorRequest:
		return "prior-request-not-complete"
	case FaultDrop:
		return "drop"
	case FaultDropAfter:
		return "drop-after-apply"
	case FaultTimeout:
		return "timeout"
	}
	return "unknown"
}

// faults is the fault configuration; guarded by Server.mu.
type faults struct {
	next       []Fault // injected into the next requests, in order
	nextWrites []Fault // injected into the next write requests, in order
	failAfter  int     // requests still allowed before failAfterF applies to all (-1: off)
	failAfterF Fault
	rate       float64
	kinds      []Fault
	rng        *rand.Rand
	latency    time.Duration
	hold       time.Duration
	limiter    *rate.Limiter
}

// Inject makes the next n requests (of any kind) fail with f.
func (s *Server) Inject(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.f.next = append(s.f.next, f)
	}
}

// InjectWrites makes the next n write requests (ChangeResourceRecordSets) fail with f.
func (s *Server) InjectWrites(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.f.nextWrites = append(s.f.nextWrites, f)
	}
}

// FailAfter lets n more requests through, then fails every request with f until the faults
// are cleared. A negative n turns it off.
func (s *Server) FailAfter(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.failAfter, s.f.failAfterF = n, f
}

// SetRandomFaults makes each request fail with probability rate, drawing the fault from kinds
// (AllFaults when empty) with a generator seeded by seed, so runs are reproducible.
func (s *Server) SetRandomFaults(rate float64, seed int64, kinds ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(kinds) == 0 {
		kinds = AllFaults
	}
	s.f.rate, s.f.kinds, s.f.rng = rate, kinds, rand.New(rand.NewSource(seed))
}

// SetLatency delays every request by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.latency = d
}

// SetHold sets how long FaultTimeout holds a request when the client does not give up first
// (default 10 s).
func (s *Server) SetHold(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.hold = d
}

// SetRateLimit answers Throttling to requests beyond rps per second (burst allowed);
// rps <= 0 turns the limit off.
func (s *Server) SetRateLimit(rps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rps <= 0 {
		s.f.limiter = nil
		return
	}
	s.f.limiter = rate.NewLimiter(rate.Limit(rps), burst)
}

// ClearFaults removes every injected fault, the latency and the rate limit.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f = faults{failAfter: -1, hold: s.f.hold}
}

// pickFault decides the fault for one request; s.mu is held.
func (s *Server) pickFault(write bool) Fault {
	f := &s.f
	if f.limiter != nil && !f.limiter.Allow() {
		return FaultThrottle
	}
	if len(f.next) > 0 {
		x := f.next[0]
		f.next = f.next[1:]
		return x
	}
	if write && len(f.nextWrites) > 0 {
		x := f.nextWrites[0]
		f.nextWrites = f.nextWrites[1:]
		return x
	}
	if f.failAfter == 0 {
		return f.failAfterF
	}
	if f.failAfter > 0 {
		f.failAfter--
	}
	if f.rng != nil && f.rate > 0 && f.rng.Float64() < f.rate {
		return f.kinds[f.rng.Intn(len(f.kinds))]
	}
	return FaultNone
}
