package drill

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// query is one name of the load loop.
type query struct {
	Name, Type string
}

// sample is one resolution: when it started, how long it took, whether it succeeded.
type sample struct {
	Start   time.Time
	Latency time.Duration
	OK      bool
	Err     string
}

// load resolves every query through the resolver every period (RD=1, one timeout per
// query). A resolution succeeds when the resolver answers NOERROR with exactly the values
// of the desired RRset (zone.CanonicalValue of every answer RR of the asked type and name).
type load struct {
	resolver string
	period   time.Duration
	timeout  time.Duration
	want     map[query][]string

	mu      sync.Mutex
	samples []sample
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newLoad(resolver string, period, timeout time.Duration, desired []zone.RRset) (*load, error) {
	l := &load{resolver: resolver, period: period, timeout: timeout, want: map[query][]string{}}
	for _, q := range queries {
		i := slices.IndexFunc(desired, func(s zone.RRset) bool {
			return s.Name == q.Name && dns.TypeToString[s.Type] == q.Type
		})
		if i < 0 {
			return nil, fmt.Errorf("load: %s %s is not in the zone", q.Name, q.Type)
		}
		l.want[q] = desired[i].Values
	}
	return l, nil
}

// start runs the loop until stop.
func (l *load) start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(l.period)
		defer t.Stop()
		for {
			for _, q := range queries {
				l.wg.Add(1)
				go func() { defer l.wg.Done(); l.add(l.resolve(q)) }()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stop ends the loop and waits for the resolutions in flight.
func (l *load) stop() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

func (l *load) add(s sample) {
	l.mu.Lock()
	l.samples = append(l.samples, s)
	l.mu.Unlock()
}

// snapshot returns the samples so far, in start order.
func (l *load) snapshot() []sample {
	l.mu.Lock()
	out := slices.Clone(l.samples)
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b sample) int { return a.Start.Compare(b.Start) })
	return out
}

func (l *load) resolve(q query) sample {
	s := sample{Start: time.Now()}
	m := new(dns.Msg)
	m.SetQuestion(q.Name, dns.StringToType[q.Type])
	m.RecursionDesired = true
	c := &dns.Client{Timeout: l.timeout}
	r, _, err := c.Exchange(m, l.resolver)
	s.Latency = time.Since(s.Start)
	switch {
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.Err = fmt.Sprintf("no answer within %s", l.timeout)
		} else {
			s.Err = "error: " + err.Error()
		}
	case r.Rcode != dns.RcodeSuccess:
		s.Err = q.Name + " " + q.Type + ": rcode " + dns.RcodeToString[r.Rcode]
	default:
		var got []string
		for _, rr := range r.Answer {
			if rr.Header().Rrtype == m.Question[0].Qtype && strings.EqualFold(rr.Header().Name, q.Name) {
				got = append(got, zone.CanonicalValue(rr))
			}
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if want := l.want[q]; !slices.Equal(got, want) {
			s.Err = fmt.Sprintf("%s %s: answer %v, want %v", q.Name, q.Type, got, want)
		} else {
			s.OK = true
		}
	}
	return s
}

// Tally counts resolutions of one phase.
type Tally struct {
	OK, Total int
	// MaxLatency is the slowest successful resolution.
	MaxLatency time.Duration
	// FirstError is the first failure's reason ("" without failures).
	FirstError string
	// Errors counts the failures by reason.
	Errors map[string]int
}

// Share is the fraction of successful resolutions (1 when there were none).
func (t Tally) Share() float64 {
	if t.Total == 0 {
		return 1
	}
	return float64(t.OK) / float64(t.Total)
}

func (t Tally) String() string {
	if t.Total == 0 {
		return "no resolutions"
	}
	return fmt.Sprintf("%d/%d = %6.2f%%", t.OK, t.Total, 100*t.Share())
}

// tally counts the samples that started in [from, to).
func tally(samples []sample, from, to time.Time) Tally {
	var t Tally
	for _, s := range samples {
		if s.Start.Before(from) || !s.Start.Before(to) {
			continue
		}
		t.Total++
		if s.OK {
			t.OK++
			t.MaxLatency = max(t.MaxLatency, s.Latency)
		} else {
			if t.FirstError == "" {
				t.FirstError = s.Err
			}
			if t.Errors == nil {
				t.Errors = map[string]int{}
			}
			t.Errors[s.Err]++
		}
	}
	return t
}

// lastFailure returns when the last failed resolution that started in [from, to) began,
// measured from ref (0 without failures), and whether one began in the last window before
// to (the resolver was still failing then).
func lastFailure(samples []sample, from, to, ref time.Time, window time.Duration) (time.Duration, bool) {
	var last time.Time
	for _, s := range samples {
		if !s.OK && !s.Start.Before(from) && s.Start.Before(to) && s.Start.After(last) {
			last = s.Start
		}
	}
	if last.IsZero() {
		return 0, false
	}
	return last.Sub(ref), !last.Before(to.Add(-window))
}
