package probe

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/stamp"
)

// Defaults of a Prober.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultConcurrency = 64
	// EDNSSize is the UDP payload size advertised in every query (DNS flag day 2020).
	EDNSSize = 1232
	// StampLabel is the owner label of the sync stamp, below the zone apex.
	StampLabel = "_twinzone"
)

// Prober asks authoritative addresses directly for the apex SOA and the sync stamp. The zero
// value is usable; a Prober is safe for concurrent use and never panics on hostile replies.
type Prober struct {
	// Timeout bounds each query (dial, write, read); 0 means DefaultTimeout.
	Timeout time.Duration
	// Concurrency bounds the targets probed at once; 0 means DefaultConcurrency.
	Concurrency int
	// TCPEvery forces TCP in rounds where round%TCPEvery == 0; 0 means UDP only (TCP is still
	// used when a UDP reply is truncated).
	TCPEvery int
	// Resolve looks up the addresses of a nameserver name for Targets; nil uses the system
	// resolver.
	Resolve Resolver
	// Logger receives debug lines about failures; nil discards.
	Logger *slog.Logger
	// Now is the clock for Round.At and Result.At; nil means time.Now.
	Now func() time.Time
}

func (p *Prober) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Prober) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Prober) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// StampName returns the owner of the sync stamp of zone ("_twinzone.<zone>").
func StampName(zone string) string {
	return StampLabel + "." + dns.CanonicalName(zone)
}

// Round probes every target once, concurrently (at most Concurrency at a time), and returns the
// results in the order of targets. For each target it asks the apex SOA of zone (RD=0, EDNS0
// with EDNSSize, UDP or TCP as described on TCPEvery; UDP replies with TC set are retried over
// TCP). A result is OK only with NOERROR, the AA bit, a matching ID and question, and an SOA
// answer owned by the zone apex; then the stamp TXT at StampName(zone) is asked, parsed
// (stamp.Parse) and compared with expected: a missing stamp, or one of other content
// (stamp.Compare is not Same), gives StaleStamp. With a zero expected the stamp is read and
// reported but never judged (the controller judges it against the newest version it knows).
// Cancelling ctx ends the round early; unfinished targets report Timeout.
func (p *Prober) Round(ctx context.Context, targets []Target, zone string, expected stamp.Stamp, round int) Round {
	zone = dns.CanonicalName(zone)
	out := Round{At: p.now(), Results: make([]Result, len(targets))}
	conc := p.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	tcp := p.TCPEvery > 0 && round%p.TCPEvery == 0
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, t := range targets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out.Results[i] = Result{Target: t, Reason: Timeout, Detail: "cancelled before probing", At: p.now(), Transport: transport(tcp)}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out.Results[i] = p.probeOne(ctx, t, zone, expected, tcp)
		}()
	}
	wg.Wait()
	return out
}

// Probe probes a single target; see Round.
func (p *Prober) Probe(ctx context.Context, t Target, zone string, expected stamp.Stamp, tcp bool) Result {
	return p.probeOne(ctx, t, dns.CanonicalName(zone), expected, tcp)
}

func transport(tcp bool) string {
	if tcp {
		return "tcp"
	}
	return "udp"
}

func (p *Prober) probeOne(ctx context.Context, t Target, zone string, expected stamp.Stamp, tcp bool) (res Result) {
	res = Result{Target: t, At: p.now(), Transport: transport(tcp)}
	defer func() {
		if v := recover(); v != nil { // belt and braces: a hostile reply must never crash us
			res.Reason, res.Detail = Malformed, "internal error while reading the reply"
		}
		if res.Reason != OK {
			p.logger().Debug("probe failed", "provider", t.Provider, "nameserver", t.Nameserver,
				"addr", t.Addr.String(), "reason", string(res.Reason), "detail", res.Detail, "transport", res.Transport)
		}
	}()
	if !t.Addr.IsValid() {
		res.Reason, res.Detail = Unreachable, "no address"
		return res
	}
	start := time.Now()
	r, usedTCP, reason, detail := p.query(ctx, t, zone, dns.TypeSOA, tcp)
	res.Latency = time.Since(start)
	res.Transport = transport(usedTCP)
	if reason != OK {
		res.Reason, res.Detail = reason, detail
		return res
	}
	if r.Rcode != dns.RcodeSuccess {
		res.Reason, res.Detail = WrongAnswer, "rcode "+rcodeName(r.Rcode)+" for the apex SOA"
		return res
	}
	soa := findSOA(r, zone)
	if soa == nil {
		res.Reason, res.Detail = WrongAnswer, "no SOA for "+zone+" in the answer"+describeAnswer(r)
		return res
	}
	res.Serial = soa.Serial

	sr, _, reason, detail := p.query(ctx, t, StampName(zone), dns.TypeTXT, usedTCP)
	if reason != OK {
		if expected.IsZero() {
			res.Reason, res.Detail = OK, "stamp not read: "+detail
			return res
		}
		res.Reason, res.Detail = reason, "stamp query: "+detail
		return res
	}
	got, note := readStamp(sr, StampName(zone))
	res.Stamp = got
	switch {
	case expected.IsZero():
		res.Reason, res.Detail = OK, note
	case got.IsZero():
		res.Reason, res.Detail = StaleStamp, "sync stamp missing: "+note
	case note != "":
		res.Reason, res.Detail = StaleStamp, note
	case stamp.Compare(got, expected) != stamp.Same:
		res.Reason, res.Detail = StaleStamp, "sync stamp "+got.Short()+", want "+expected.Short()+" ("+stamp.Compare(got, expected).String()+")"
	default:
		res.Reason = OK
	}
	return res
}

// query sends one question and checks the reply's header and question. It retries over TCP
// when a UDP reply is truncated. reason is OK when the reply may be read; rcode NOERROR and
// NXDOMAIN come back as OK (with the AA bit checked), other rcodes as their reason.
func (p *Prober) query(ctx context.Context, t Target, name string, qtype uint16, tcp bool) (*dns.Msg, bool, Reason, string) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	q.SetEdns0(EDNSSize, false)
	r, reason, detail := p.exchange(ctx, t.Addr, tcp, q)
	if reason == OK && !tcp && r.Truncated {
		tcp = true
		q.Id = dns.Id()
		r, reason, detail = p.exchange(ctx, t.Addr, tcp, q)
	}
	if reason != OK {
		return nil, tcp, reason, detail
	}
	if reason, detail = checkReply(q, r); reason != OK {
		return nil, tcp, reason, detail
	}
	return r, tcp, OK, ""
}
