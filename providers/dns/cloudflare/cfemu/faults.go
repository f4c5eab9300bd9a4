package cfemu

import (
	"math/rand"
	"net/http"
	"strconv"
	"time"
)

// Counts are the requests the emulator received, by kind. Every request counts, including
// those answered with an injected fault or a 429.
type Counts struct {
	Reads  int // GET
	Writes int // POST/PATCH/PUT/DELETE on single records
	Batch  int // POST .../dns_records/batch
}

// Total is the number of requests of every kind.
func (c Counts) Total() int { return c.Reads + c.Writes + c.Batch }

// Fault is one kind of injected failure.
type Fault int

const (
	Fault5xx       Fault = iota + 1 // 503 with a Cloudflare error body, nothing applied
	Fault429                        // 429 with Retry-After, nothing applied
	FaultDrop                       // connection closed before anything is applied
	FaultDropAfter                  // request applied, then the connection is closed
	FaultSlow                       // reply delayed by the slow delay (client timeouts)
	faultKinds                      // number of kinds + 1
)

type faults struct {
	queue      []Fault // injected, consumed one per request in order
	latency    time.Duration
	slowDelay  time.Duration
	failAfter  int // >0: every request after this many fails with 5xx
	rate       float64
	rng        *rand.Rand
	kinds      []Fault
	retryAfter int
}

// Inject queues n faults of kind f; the next n requests get them, in the order queued.
func (s *Server) Inject(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults.queue = append(s.faults.queue, f)
	}
}

// SetLatency delays every reply by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.faults.latency = d
	s.mu.Unlock()
}

// SetSlowDelay sets how long a FaultSlow reply is delayed (default 2 s).
func (s *Server) SetSlowDelay(d time.Duration) {
	s.mu.Lock()
	s.faults.slowDelay = d
	s.mu.Unlock()
}

// SetRetryAfter sets the Retry-After seconds sent with injected 429s (default 1).
func (s *Server) SetRetryAfter(sec int) {
	s.mu.Lock()
	s.faults.retryAfter = sec
	s.mu.Unlock()
}

// FailAfter makes every request after the next n fail with 503; n <= 0 turns it off.
func (s *Server) FailAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.faults.failAfter = 0
		return
	}
	s.faults.failAfter = s.counts.Total() + n
}

// SetFaultRate makes each request fail with probability rate, with a fault drawn from kinds
// (all kinds when empty), from a generator seeded with seed. Rate 0 turns it off.
func (s *Server) SetFaultRate(rate float64, seed int64, kinds ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(kinds) == 0 {
		for f := Fault5xx; f < faultKinds; f++ {
			kinds = append(kinds, f)
		}
	}
	s.faults.rate, s.faults.rng, s.faults.kinds = rate, rand.New(rand.NewSource(seed)), kinds
}

// ClearFaults removes every injected fault, latency and fault rate.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = faults{}
	s.mu.Unlock()
}

// Counts returns the request counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// ResetCounts sets the request counters to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	s.counts = Counts{}
	s.mu.Unlock()
}

func (s *Server) count(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch k {
	case "read":
		s.counts.Reads++
	case "batch":
		s.counts.Batch++
	default:
		s.counts.Writes++
	}
}

// nextFault picks the fault for this request, if any. Called with s.mu held.
func (s *Server) nextFault() Fault {
	f := &s.faults
	if len(f.queue) > 0 {
		x := f.queue[0]
		f.queue = f.queue[1:]
		return x
	}
	if f.failAfter > 0 && s.counts.Total() > f.failAfter {
		return Fault5xx
	}
	if f.rate > 0 && f.rng.Float64() < f.rate {
		return f.kinds[f.rng.Intn(len(f.kinds))]
	}
	return 0
}

// applyFaultsBefore delays and fails the request as configured; it reports whether the
// request was answered (or its connection dropped), and whether the reply must be dropped
// after the request is processed.
func (s *Server) applyFaultsBefore(w http.ResponseWriter, r *http.Request) (answered, dropAfter bool) {
	s.mu.Lock()
	fault := s.nextFault()
	latency, slow, retryAfter := s.faults.latency, s.faults.slowDelay, s.faults.retryAfter
	s.mu.Unlock()
	if slow == 0 {
		slow = 2 * time.Second
	}
	if retryAfter == 0 {
		retryAfter = 1
	}
	if latency > 0 {
		if !sleepCtx(r, latency) {
			return true, false
		}
	}
	switch fault {
	case Fault5xx:
		writeErr(w, http.StatusServiceUnavailable, 10000, "Service temporarily unavailable")
		return true, false
	case Fault429:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		writeErr(w, http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed")
		return true, false
	case FaultDrop:
		hijackClose(w)
		return true, false
	case FaultSlow:
		if !sleepCtx(r, slow) {
			return true, false
		}
	}
	return false, fault == FaultDropAfter
}

func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
