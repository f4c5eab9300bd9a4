package corpus

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// deviations are the files where twinzone differs from what BIND and Knot agree on, with
// why. The test fails when one of them stops deviating, so the list and the README's figures
// stay true.
var deviations = map[string]string{
	"dnscontrol-ds.com.zone": "a DS without NS at its name: BIND loads it from a file but silently drops it from an UPDATE, so it cannot be synced to BIND by RFC 2136",
}

// counts are the corpus figures, logged at the end (the README states them).
type counts struct {
	mu                                           sync.Mutex
	files, bothLoad, bothRefuse, split           int
	accepted, rejected, roundTripped, deviations int
}

func (c *counts) add(f func(*counts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// TestCorpus reads every file of testdata/SOURCES as BIND (named-checkzone) and Knot
// (kzonecheck) read it, and as twinzone does. Every file both servers load is accepted and
// round-trips: synced by RFC 2136 into a real BIND and a real Knot and through the zonefile
// provider, what they serve (AXFR, or the file written) equals the zone by canonical wire
// form, the written file loads in BIND and Knot, and a second plan is empty. Every file both
// refuse is refused, on a line one of them names when they name one. Files they disagree on
// are reported, and what twinzone accepts of them round-trips through the server that loads
// them.
func TestCorpus(t *testing.T) {
	bind, knot := need(t, "named-checkzone"), need(t, "kzonecheck")
	entries := readSources(t)
	if len(entries) < 40 {
		t.Fatalf("the corpus has %d files, want tens", len(entries))
	}
	var c counts
	t.Cleanup(func() {
		t.Logf("corpus: %d files; both servers load %d, both refuse %d, they disagree on %d; twinzone accepts %d, refuses %d; "+
			"%d round-trip through BIND, Knot and the zonefile provider; %d known deviations",
			c.files, c.bothLoad, c.bothRefuse, c.split, c.accepted, c.rejected, c.roundTripped, c.deviations)
	})
	for _, e := range entries {
		t.Run(e.file, func(t *testing.T) {
			t.Parallel()
			path := e.zonePath()
			b, k := checkBIND(t, bind, e, path), checkKnot(knot, e, path)
			z, err := zone.ParseFile(path, e.origin)
			c.add(func(c *counts) {
				c.files++
				switch {
				case b.loads && k.loads:
					c.bothLoad++
				case !b.loads && !k.loads:
					c.bothRefuse++
				default:
					c.split++
				}
				if err == nil {
					c.accepted++
				} else {
					c.rejected++
				}
			})
			why, known := deviations[e.file]
			var problems []string
			switch {
			case b.loads != k.loads:
				t.Logf("%s: BIND loads: %v, Knot loads: %v; twinzone: %v", e.file, b.loads, k.loads, err)
				if err == nil { // what twinzone accepts round-trips through the server that loads it
					for _, p := range roundTrip(t, e, z, b.loads, k.loads) {
						t.Error(p)
					}
				}
				return
			case b.loads && err != nil:
				problems = append(problems, fmt.Sprintf("BIND and Knot load it, twinzone refuses it: %v", err))
			case b.loads:
				problems = roundTrip(t, e, z, true, true)
				if len(problems) == 0 {
					c.add(func(c *counts) { c.roundTripped++ })
				}
			case err == nil:
				problems = append(problems, fmt.Sprintf("BIND and Knot refuse it, twinzone accepts it:\nBIND: %s\nKnot: %s", b.out, k.out))
			default:
				problems = checkLine(err, append(b.lines, k.lines...), b.out+k.out)
			}
			switch {
			case known && len(problems) == 0:
				t.Errorf("listed as a deviation (%s), but twinzone now agrees with BIND and Knot: remove it from the list", why)
			case known:
				c.add(func(c *counts) { c.deviations++ })
				t.Logf("known deviation: %s\n%s", why, strings.Join(problems, "\n"))
			default:
				for _, p := range problems {
					t.Error(p)
				}
			}
		})
	}
}

// checkLine requires twinzone's first error to name a line one of the servers names, when
// they name any.
func checkLine(err error, lines []int, out string) []string {
	var ze *zone.Error
	if !errors.As(err, &ze) {
		return []string{fmt.Sprintf("error without a position: %v", err)}
	}
	if len(lines) > 0 && !slices.Contains(lines, ze.Line) {
		return []string{fmt.Sprintf("twinzone refuses it at line %d (%v), the servers at lines %v:\n%s", ze.Line, err, lines, out)}
	}
	return nil
}

// base is what a test server holds before the first sync: its own SOA and apex NS.
func base(origin string) string {
	return "$ORIGIN " + origin + "\n@ 3600 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 300\n@ 3600 IN NS ns.invalid.\n"
}

// roundTrip syncs z into BIND and Knot (those asked for) and a zonefile provider and returns
// what each does not serve as it should; the file written must load in the same servers.
func roundTrip(t *testing.T, e entry, z *zone.Zone, bind, knot bool) []string {
	t.Helper()
	want, err := providertest.Managed(z, plan.Options{Origin: z.Origin})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	key := dnsserver.TestKey
	var starts []func(testing.TB, dnsserver.Options) *dnsserver.Server
	if bind {
		starts = append(starts, dnsserver.StartBIND)
	}
	if knot {
		starts = append(starts, dnsserver.StartKnot)
	}
	for _, start := range starts {
		s := start(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: z.Origin, Text: base(z.Origin)}}, Key: &key})
		p, err := rfc2136.New(rfc2136.Config{Server: s.Addr, KeyName: key.Name, KeyAlg: key.Alg, Key: key.Secret})
		if err != nil {
			t.Fatal(err)
		}
		problems = append(problems, syncAndCompare(t, s.Kind, p, z, want)...)
	}
	path := filepath.Join(t.TempDir(), "written.zone")
	zf, err := zonefile.New(zonefile.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	zf.SetApexNS(z.Origin, []string{"ns.invalid."})
	problems = append(problems, syncAndCompare(t, "zonefile", zf, z, want)...)
	if len(want) == 0 {
		return problems // nothing twinzone manages (apex SOA, NS and keys only): no file is written
	}
	written := entry{origin: e.origin}
	if v := checkBIND(t, need(t, "named-checkzone"), written, path); bind && !v.loads {
		problems = append(problems, "BIND does not load the file twinzone wrote:\n"+v.out)
	}
	if v := checkKnot(need(t, "kzonecheck"), written, path); knot && !v.loads {
		problems = append(problems, "Knot does not load the file twinzone wrote:\n"+v.out)
	}
	return problems
}

// syncAndCompare plans and applies z on p, then checks that p serves the managed part of z
// by canonical wire form and that the next plan is empty.
func syncAndCompare(t *testing.T, name string, p provider.Provider, z *zone.Zone, want []zone.RRset) []string {
	t.Helper()
	ctx := context.Background()
	var traits plan.Traits
	if d, ok := p.(provider.Describer); ok {
		traits = d.Traits()
	}
	opts := plan.Options{Origin: z.Origin, Traits: traits}
	cur, err := p.Records(ctx, z.Origin)
	if err != nil {
		return []string{fmt.Sprintf("%s: read before sync: %v", name, err)}
	}
	pl, err := plan.Calculate(z.RRsets, cur, opts)
	if err != nil {
		return []string{fmt.Sprintf("%s: plan: %v", name, err)}
	}
	if err := p.Apply(ctx, z.Origin, pl.Changes); err != nil {
		return []string{fmt.Sprintf("%s: sync: %v", name, err)}
	}
	served, err := p.Records(ctx, z.Origin)
	if err != nil {
		return []string{fmt.Sprintf("%s: read after sync: %v", name, err)}
	}
	got, err := providertest.Managed(&zone.Zone{Origin: z.Origin, RRsets: served}, plan.Options{Origin: z.Origin})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	if g, w := wireForm(t, got), wireForm(t, want); !slices.Equal(g, w) {
		problems = append(problems, fmt.Sprintf("%s serves %d records, the zone has %d, or they differ by canonical wire form:\n%s", name, len(g), len(w), diff(got, want)))
	}
	if pl, err := plan.Calculate(z.RRsets, served, opts); err != nil || !pl.Empty() {
		problems = append(problems, fmt.Sprintf("%s: second plan not empty: %v %v", name, err, pl.Changes))
	}
	return problems
}

// wireForm is every record of sets in canonical wire form (RFC 4034 6.2: names lower-case,
// uncompressed), sorted.
func wireForm(t *testing.T, sets []zone.RRset) []string {
	t.Helper()
	var out []string
	for _, s := range sets {
		rrs, err := s.RRs()
		if err != nil {
			t.Fatalf("%s: %v", s.Key(), err)
		}
		for _, rr := range rrs {
			rr.Header().Name = strings.ToLower(rr.Header().Name)
			buf := make([]byte, dns.Len(rr)+64)
			n, err := dns.PackRR(rr, buf, 0, nil, false)
			if err != nil {
				t.Fatalf("%s: pack: %v", s.Key(), err)
			}
			out = append(out, string(buf[:n]))
		}
	}
	slices.Sort(out)
	return out
}

// diff names the RRsets that differ between got and want.
func diff(got, want []zone.RRset) string {
	idx := map[zone.Key]zone.RRset{}
	for _, s := range got {
		idx[s.Key()] = s
	}
	var b strings.Builder
	for _, w := range want {
		g, ok := idx[w.Key()]
		if !ok || !g.Equal(w) {
			b.WriteString("  " + w.Key().String() + ": served " + strings.Join(g.Values, " | ") + " ; want " + strings.Join(w.Values, " | ") + "\n")
		}
		delete(idx, w.Key())
	}
	for k, g := range idx {
		b.WriteString("  " + k.String() + ": served but not in the zone: " + strings.Join(g.Values, " | ") + "\n")
	}
	return b.String()
}
