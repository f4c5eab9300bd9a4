package providertest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Result is one case's outcome against a live provider.
type Result struct {
	Case     string
	Status   Status
	Took     time.Duration
	Messages []string // failures first, then the case's log lines (at most MaxMessages)
}

// Status of a case.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// MaxMessages bounds the messages kept per case.
const MaxMessages = 12

// CheckOptions configure Check.
type CheckOptions struct {
	Options
	// Run selects the cases by name; nil runs all.
	Run *regexp.Regexp
	// Force runs on a zone that holds more than SOA and apex NS.
	Force bool
	// Progress, when set, is told each case's name as it starts.
	Progress func(name string)
}

// ErrNotScratch is returned when the zone holds records other than SOA, apex NS and the
// addresses of its in-zone nameservers.
var ErrNotScratch = errors.New("the zone holds records other than SOA and apex NS")

// Check runs the conformance cases against p's zone z, one after another, for `twinzone
// conformance`: the same cases the adapters' tests run, on the user's real account. After
// each case it puts the zone back as it found it (apex NS included) and checks that; a
// failing restore is reported as a failed "Cleanup" result. Unless Force is set it refuses
// a zone holding anything but SOA and apex NS (ErrNotScratch, with nothing written).
func Check(ctx context.Context, p provider.Provider, z string, o CheckOptions) ([]Result, error) {
	z = strings.ToLower(dns.Fqdn(z))
	initial, err := p.Records(ctx, z)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", z, err)
	}
	if extra := notScratch(initial, z); len(extra) > 0 && !o.Force {
		return nil, fmt.Errorf("%w: %s (use a scratch zone, or --force: the suite touches only names it creates and restores the rest)", ErrNotScratch, strings.Join(extra, ", "))
	}
	var out []Result
	for _, c := range cases {
		if o.Run != nil && !o.Run.MatchString(c.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if o.Progress != nil {
			o.Progress(c.name)
		}
		out = append(out, runCase(c, p, z, o.Options))
		if r := restore(ctx, p, z, initial); r != nil {
			out = append(out, *r)
			break // the zone is not as found: running more cases would compound it
		}
	}
	return out, nil
}

// notScratch lists the RRsets that make z more than an empty zone (at most 5): anything but
// SOA, apex NS and the addresses of in-zone apex nameservers (a self-hosted zone needs them).
func notScratch(sets []zone.RRset, z string) []string {
	nsNames := map[string]bool{}
	for _, s := range sets {
		if s.Type == dns.TypeNS && s.Name == z {
			for _, v := range s.Values {
				nsNames[strings.ToLower(v)] = true
			}
		}
	}
	var extra []string
	for _, s := range sets {
		switch {
		case s.Type == dns.TypeSOA, s.Type == dns.TypeNS && s.Name == z:
			continue
		case (s.Type == dns.TypeA || s.Type == dns.TypeAAAA) && nsNames[s.Name]:
			continue
		}
		if len(extra) == 5 {
			extra = append(extra, "...")
			break
		}
		extra = append(extra, s.Key().String())
	}
	return extra
}

func runCase(c testCase, p provider.Provider, z string, o Options) Result {
	rec := &recorder{}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				rec.fail(fmt.Sprintf("panic: %v", v))
			}
		}()
		c.run(rec, newEnv(rec, p, z, o))
	}()
	<-done
	res := Result{Case: c.name, Status: Pass, Took: time.Since(start)}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	switch {
	case rec.failed:
		res.Status = Fail
	case rec.skipped:
		res.Status = Skip
	}
	res.Messages = append(slices.Clone(rec.errs), rec.logs...)
	if len(res.Messages) > MaxMessages {
		n := len(res.Messages) - MaxMessages
		res.Messages = append(res.Messages[:MaxMessages], fmt.Sprintf("(%d more)", n))
	}
	return res
}

// restore puts the zone back to initial, and checks it; nil when it is.
func restore(ctx context.Context, p provider.Provider, z string, initial []zone.RRset) *Result {
	start := time.Now()
	fail := func(err error) *Result {
		return &Result{Case: "Cleanup", Status: Fail, Took: time.Since(start),
			Messages: []string{err.Error(), "the zone may still hold records the suite created: check it by hand"}}
	}
	var traits plan.Traits
	if d, ok := p.(provider.Describer); ok {
		traits = d.Traits()
	}
	opts := plan.Options{Origin: z, Traits: traits, ManageApexNS: traits.ApexNSManaged}
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := p.Records(ctx, z)
		if err != nil {
			return fail(err)
		}
		pl, err := plan.Calculate(initial, cur, opts)
		if err != nil {
			return fail(err)
		}
		if pl.Empty() {
			return nil
		}
		if err := p.Apply(ctx, z, pl.Changes); err != nil && attempt == 2 {
			return fail(err)
		}
	}
	return fail(errors.New("the zone still differs from how it was found after 3 restores"))
}

// recorder is the T of Check: it keeps messages and ends the case's goroutine on Fatal/Skip.
type recorder struct {
	mu              sync.Mutex
	failed, skipped bool
	errs, logs      []string
}

func (r *recorder) Helper() {}

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.errs = append(r.errs, msg)
}

func (r *recorder) Error(args ...any)                 { r.fail(strings.TrimSuffix(fmt.Sprintln(args...), "\n")) }
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.logs = append(r.logs, strings.TrimSuffix(fmt.Sprintln(args...), "\n"))
	r.mu.Unlock()
	runtime.Goexit()
}
