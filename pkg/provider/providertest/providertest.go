// Package providertest is the conformance suite every twinzone DNS provider adapter runs: the
// provider.Provider contract checked against a real (or emulated) backend.
//
// An adapter's test calls Run with a constructor that returns a provider and a fresh zone it
// may freely modify (one per subtest). The zone may start with any records; the suite only
// touches names it creates, except where a subtest says otherwise.
package providertest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// NewFunc returns a provider and the (absolute, lower-case) zone it serves, fresh for the
// calling (sub)test; cleanup goes through t.Cleanup.
type NewFunc func(t *testing.T) (provider.Provider, string)

// T is what the cases need of a test: *testing.T in adapters' tests, a recorder in Check
// (twinzone conformance). Fatal and Skip end the calling goroutine.
type T interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skip(args ...any)
}

// Run runs every conformance subtest against providers made by newProvider.
func Run(t *testing.T, newProvider NewFunc) { RunWith(t, newProvider, Options{}) }

// Options adjust the suite for a provider with documented limits.
type Options struct {
	// Fixture, when set, is given each TypeFixtures RRset and returns the RRset to use in the
	// Types subtest (possibly with fewer values), or false to leave it out. Use it only for a
	// documented defect or limit, named in the caller.
	Fixture func(zone.RRset) (zone.RRset, bool)
}

// testCase is one subtest.
type testCase struct {
	name string
	run  func(T, *env)
}

// cases are the subtests, in order.
var cases = []testCase{
	{"MultiValue", testMultiValue},
	{"ApexNS", testApexNS},
	{"Types", testTypes},
	{"ManyRecords", testMany},
	{"DeleteTouchesNothingElse", testDeleteIsolated},
	{"Concurrent", testConcurrent},
	{"Cancellation", testCancel},
}

// CaseNames lists the subtests, in the order they run.
func CaseNames() []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.name
	}
	return out
}

// RunWith is Run with options.
func RunWith(t *testing.T, newProvider NewFunc, opts Options) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, z := newProvider(t)
			c.run(t, newEnv(t, p, z, opts))
		})
	}
}

// env is one provider and zone under test, with the desired state the suite maintains.
type env struct {
	t       T
	p       provider.Provider
	zone    string
	traits  plan.Traits
	opts    plan.Options
	initial []zone.RRset
	desired map[zone.Key]zone.RRset
	fixture func(zone.RRset) (zone.RRset, bool) // nil: every fixture as it is
}

func newEnv(t T, p provider.Provider, z string, o Options) *env {
	t.Helper()
	z = strings.ToLower(dns.Fqdn(z))
	e := &env{t: t, p: p, zone: z, desired: map[zone.Key]zone.RRset{}, fixture: o.Fixture}
	if d, ok := p.(provider.Describer); ok {
		e.traits = d.Traits()
	}
	e.opts = plan.Options{Origin: z, Traits: e.traits}
	e.initial = e.records()
	for _, s := range e.initial {
		e.desired[s.Key()] = s
	}
	return e
}

// name makes an absolute owner from a relative one ("@" is the apex).
func (e *env) name(rel string) string {
	if rel == "@" {
		return e.zone
	}
	return rel + "." + e.zone
}

func (e *env) supports(t uint16) bool { return e.traits.Types == nil || e.traits.Types[t] }

// set returns an RRset at rel with ttl 300; values may use "$Z" for the zone origin.
func (e *env) set(rel string, typ uint16, values ...string) zone.RRset {
	vs := make([]string, len(values))
	for i, v := range values {
		vs[i] = strings.ReplaceAll(v, "$Z", e.zone)
	}
	return canonical(zone.RRset{Name: e.name(rel), Type: typ, TTL: 300, Values: vs})
}

func (e *env) records() []zone.RRset {
	e.t.Helper()
	rs, err := e.p.Records(context.Background(), e.zone)
	if err != nil {
		e.t.Fatalf("Records(%s): %v", e.zone, err)
	}
	return rs
}

func (e *env) desiredList() []zone.RRset {
	out := slices.Collect(maps.Values(e.desired))
	zone.Sort(out)
	return out
}

// plan computes the changes from the provider's current records to the desired state.
func (e *env) plan(current []zone.RRset) *plan.Plan {
	e.t.Helper()
	p, err := plan.Calculate(e.desiredList(), current, e.opts)
	if err != nil {
		e.t.Fatalf("plan.Calculate: %v", err)
	}
	return p
}

// sync applies a plan to the desired state, then checks that a second plan is empty and that
// the provider serves exactly the normalised desired RRsets.
func (e *env) sync() {
	e.t.Helper()
	p := e.plan(e.records())
	if err := e.p.Apply(context.Background(), e.zone, p.Changes); err != nil {
		e.t.Fatalf("Apply (%d changes): %v", len(p.Changes), err)
	}
	e.checkConverged()
}

func (e *env) checkConverged() {
	e.t.Helper()
	got := e.records()
	if p := e.plan(got); !p.Empty() {
		e.t.Errorf("second plan not empty: %d changes, first: %s", len(p.Changes), describe(p.Changes))
	}
	want, err := Managed(&zone.Zone{Origin: e.zone, RRsets: e.desiredList()}, e.opts)
	if err != nil {
		e.t.Fatalf("Managed: %v", err)
	}
	e.checkServes(got, want)
}

// checkServes checks that every RRset of want is in got with the same TTL and values, and
// that got has no other managed RRsets.
func (e *env) checkServes(got, want []zone.RRset) {
	e.t.Helper()
	gm := map[zone.Key]zone.RRset{}
	for _, s := range got {
		gm[s.Key()] = normalise(s)
	}
	wm := map[zone.Key]bool{}
	bad := 0
	for _, w := range want {
		wm[w.Key()] = true
		g, ok := gm[w.Key()]
		switch {
		case !ok:
			e.t.Errorf("missing RRset %s (want %q)", w.Key(), w.Values)
		case !slices.Equal(g.Values, normalise(w).Values):
			e.t.Errorf("RRset %s: got %q, want %q", w.Key(), g.Values, normalise(w).Values)
		case g.TTL != w.TTL && !(e.traits.AutoTTL != 0 && w.TTL == e.traits.AutoTTL):
			e.t.Errorf("RRset %s: TTL %d, want %d", w.Key(), g.TTL, w.TTL)
		default:
			continue
		}
		if bad++; bad > 10 {
			e.t.Fatal("too many differences")
		}
	}
	for _, g := range got {
		if !e.managed(g.Key()) || wm[g.Key()] {
			continue
		}
		e.t.Errorf("unexpected RRset %s %q", g.Key(), g.Values)
		if bad++; bad > 10 {
			e.t.Fatal("too many differences")
		}
	}
}

// managed reports whether the suite compares the RRset: not SOA, not apex NS, not the stamp.
func (e *env) managed(k zone.Key) bool {
	return k.Type != dns.TypeSOA && !(k.Type == dns.TypeNS && k.Name == e.zone) &&
		!(k.Type == dns.TypeTXT && k.Name == plan.StampName(e.zone))
}

// normalise puts TXT values in canonical form so that chunking and escaping do not matter.
func normalise(s zone.RRset) zone.RRset {
	if s.Type != dns.TypeTXT {
		return s
	}
	vs := make([]string, len(s.Values))
	for i, v := range s.Values {
		vs[i] = zone.CanonicalTXT(v)
	}
	slices.Sort(vs)
	s.Values = slices.Compact(vs)
	return s
}

func describe(cs []plan.Change) string {
	var b strings.Builder
	for i, c := range cs {
		if i == 3 {
			fmt.Fprintf(&b, " ... (%d more)", len(cs)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s", c.Action, c.Key())
		if c.Old != nil {
			fmt.Fprintf(&b, " old=%q", c.Old.Values)
		}
		if c.New != nil {
			fmt.Fprintf(&b, " new=%q", c.New.Values)
		}
	}
	return b.String()
}

// Managed returns the desired RRsets of z that plan.Calculate manages with opts (in canonical
// form and order, TTLs clamped for opts.Traits), the stamp excluded: what a provider serves,
// for twinzone's part, after a successful sync.
func Managed(z *zone.Zone, opts plan.Options) ([]zone.RRset, error) {
	if opts.Origin == "" {
		opts.Origin = z.Origin
	}
	opts.Stamp = stamp.Stamp{}
	p, err := plan.Calculate(z.RRsets, nil, opts)
	if err != nil {
		return nil, err
	}
	out := make([]zone.RRset, 0, len(p.Changes))
	for _, c := range p.Changes {
		out = append(out, *c.New)
	}
	return out, nil
}
