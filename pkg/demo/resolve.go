package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// resolver is a minimal iterative resolver without a cache: every lookup asks the parent
// server, follows its referral and asks the delegated nameservers in random order until one
// answers authoritatively, like a resolver whose cache just expired. A delegation carries
// names and glue addresses but no port, so the NS names are mapped to the in-process ports.
type resolver struct {
	parent  netip.AddrPort
	ports   map[string]uint16 // NS name -> port
	timeout time.Duration     // per query
}

// lookup resolves name/qtype and returns the nameserver that answered. An answer without
// records, a negative answer and no answer at all are errors.
func (r *resolver) lookup(ctx context.Context, name string, qtype uint16) (string, error) {
	ref, err := r.ask(ctx, r.parent, name, qtype)
	if err != nil {
		return "", fmt.Errorf("parent %s: %w", r.parent, err)
	}
	if ref.Authoritative {
		return "", fmt.Errorf("parent answered for %s itself: no delegation", name)
	}
	glue := map[string]netip.Addr{}
	for _, rr := range ref.Extra {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A); ok {
				glue[strings.ToLower(a.Hdr.Name)] = ip.Unmap()
			}
		}
	}
	var servers []string
	var addrs []netip.AddrPort
	for _, rr := range ref.Ns {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		n := strings.ToLower(ns.Ns)
		ip, hasGlue := glue[n]
		port, known := r.ports[n]
		if !hasGlue || !known {
			continue
		}
		servers = append(servers, n)
		addrs = append(addrs, netip.AddrPortFrom(ip, port))
	}
	if len(servers) == 0 {
		return "", fmt.Errorf("referral for %s without usable nameservers", name)
	}
	var errs []error
	for _, i := range rand.Perm(len(servers)) {
		m, err := r.ask(ctx, addrs[i], name, qtype)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", servers[i], err))
			continue
		}
		if !m.Authoritative || m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 {
			errs = append(errs, fmt.Errorf("%s: rcode %s, aa=%v, %d answers", servers[i], dns.RcodeToString[m.Rcode], m.Authoritative, len(m.Answer)))
			continue
		}
		return servers[i], nil
	}
	return "", errors.Join(errs...)
}

func (r *resolver) ask(ctx context.Context, addr netip.AddrPort, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	c := &dns.Client{Net: "udp", Timeout: r.timeout}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	resp, _, err := c.ExchangeContext(ctx, m, addr.String())
	if err != nil {
		return nil, err
	}
	if resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, m, addr.String())
	}
	return resp, err
}

// Phase is a part of the demo's story for the resolution statistics.
type Phase int

const (
	Before Phase = iota // both providers up
	During              // the primary is down
	After               // the primary is back
)

func (p Phase) String() string { return [...]string{"before", "during", "after"}[p] }

// Tally counts lookups of one phase.
type Tally struct {
	OK, Total int
	Slow      int // succeeded, but only after a nameserver did not answer
}

func (t Tally) String() string {
	if t.Total == 0 {
		return "no lookups"
	}
	return fmt.Sprintf("%d/%d ok (%.1f%%)", t.OK, t.Total, 100*float64(t.OK)/float64(t.Total))
}

// load resolves a fixed set of names every period, each lookup in its own goroutine, and
// tallies the results by the phase in which each lookup started.
type load struct {
	r      *resolver
	names  []query
	period time.Duration

	mu      sync.Mutex
	phase   Phase
	tallies [3]Tally
	lastErr string
	wg      sync.WaitGroup
	stop    context.CancelFunc
	done    chan struct{}
}

type query struct {
	name  string
	qtype uint16
}

func (l *load) setPhase(p Phase) {
	l.mu.Lock()
	l.phase = p
	l.mu.Unlock()
}

func (l *load) start(ctx context.Context) {
	var loop context.Context
	loop, l.stop = context.WithCancel(ctx)
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTicker(l.period)
		defer t.Stop()
		for i := 0; ; i++ {
			q := l.names[i%len(l.names)]
			l.mu.Lock()
			p := l.phase
			l.mu.Unlock()
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				start := time.Now()
				_, err := l.r.lookup(ctx, q.name, q.qtype)
				if ctx.Err() != nil {
					return // the demo ends: not counted
				}
				l.mu.Lock()
				defer l.mu.Unlock()
				l.tallies[p].Total++
				if err != nil {
					l.lastErr = fmt.Sprintf("%s %s: %v", q.name, dns.TypeToString[q.qtype], err)
					return
				}
				l.tallies[p].OK++
				if time.Since(start) >= l.r.timeout {
					l.tallies[p].Slow++
				}
			}()
			select {
			case <-loop.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// finish stops the loop, waits for lookups in flight and returns the tallies.
func (l *load) finish() [3]Tally {
	if l.stop != nil {
		// Stop starting lookups; those in flight end by themselves (each is bounded).
		l.stop()
		<-l.done
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tallies
}

// tally returns the counts of one phase so far.
func (l *load) tally(p Phase) Tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tallies[p]
}

// lastError returns the last failed lookup, for error messages.
func (l *load) lastError() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastErr
}
