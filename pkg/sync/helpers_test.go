package sync

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

const origin = "example.com."

var fastRetry = RetryPolicy{Attempts: 4, Base: time.Millisecond, Max: 2 * time.Millisecond}

func soaSet() zone.RRset {
	return zone.RRset{Name: origin, Type: dns.TypeSOA, TTL: 3600, Values: []string{"ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"}}
}

func apexNS() zone.RRset {
	return zone.RRset{Name: origin, Type: dns.TypeNS, TTL: 3600, Values: []string{"ns1.example.com.", "ns2.example.com."}}
}

// randomZone makes n names under example.com. with random data; a name holds either a CNAME or
// other types, never both.
func randomZone(r *rand.Rand, n int) []zone.RRset {
	sets := []zone.RRset{soaSet(), apexNS()}
	for i := range n {
		name := fmt.Sprintf("n%d.example.com.", r.IntN(n*2)+i*0) // names collide on purpose
		_ = i
		switch r.IntN(6) {
		case 0:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeCNAME, TTL: 300, Values: []string{fmt.Sprintf("t%d.example.net.", r.IntN(3))}})
		case 1:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeTXT, TTL: 300, Values: []string{fmt.Sprintf(`"v=%d"`, r.IntN(3))}})
		case 2:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeMX, TTL: uint32(300 + 60*r.IntN(2)), Values: []string{"10 mx.example.com."}})
		default:
			vals := []string{fmt.Sprintf("192.0.2.%d", r.IntN(4))}
			if r.IntN(2) == 0 {
				vals = append(vals, fmt.Sprintf("198.51.100.%d", r.IntN(4)))
			}
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeA, TTL: 300, Values: vals})
		}
	}
	return clean(sets)
}

// clean sorts, merges duplicate keys and drops data beside a CNAME.
func clean(sets []zone.RRset) []zone.RRset {
	zone.Sort(sets)
	cname := map[string]bool{}
	for _, s := range sets {
		if s.Type == dns.TypeCNAME {
			cname[s.Name] = true
		}
	}
	var out []zone.RRset
	for _, s := range sets {
		if len(out) > 0 && out[len(out)-1].Key() == s.Key() {
			continue
		}
		if cname[s.Name] && s.Type != dns.TypeCNAME {
			continue
		}
		zone.Sort([]zone.RRset{s})
		out = append(out, s)
	}
	return out
}

// converged reports whether f serves desired (with the stamp for desired).
func converged(t *testing.T, f *fake, desired []zone.RRset) bool {
	t.Helper()
	p, err := plan.Calculate(desired, f.snapshot(), plan.Options{Origin: origin, Traits: f.Traits(), Stamp: plan.StampOf(desired)})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		t.Logf("left: %d changes, first %s %s", len(p.Changes), p.Changes[0].Action, p.Changes[0].Key())
	}
	return p.Empty()
}

func stampOf(f *fake) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sets[zone.Key{Name: plan.StampName(origin), Type: dns.TypeTXT}]
	if !ok || len(s.Values) != 1 {
		return "", false
	}
	st, ok := stamp.Parse(strings.Trim(s.Values[0], `"`)) // a stamp has no escapes
	return st.Hash, ok
}

func targets(fs ...*fake) []Target {
	var out []Target
	for i, f := range fs {
		out = append(out, Target{Name: fmt.Sprintf("p%d", i), Provider: f, Options: plan.Options{Origin: origin}})
	}
	return out
}

// errOf joins the errors of results, nil when every target succeeded.
func errOf(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}
