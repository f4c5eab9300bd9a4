package cloudflare

import (
	"context"
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// A Cloudflare that fails every request from the n-th on, for each n: the Apply error is a
// provider.PartialError naming exactly the RRsets the zone holds as asked, and some n stop
// the Apply between batches.
func TestFailedApplyTellsWhatWasApplied(t *testing.T) {
	var desired []zone.RRset
	for i := range 15 {
		desired = append(desired, set(fmt.Sprintf("h%d.example.com.", i), dns.TypeA, 300, "192.0.2.1", "192.0.2.2", "192.0.2.3"))
	}
	between := 0
	for n := 1; n <= 8; n++ {
		f := newFixture(t, cfemu.Options{BatchLimit: 10}, func(c *Config) { c.BatchSize = 10; c.Retries = 1 })
		pl := f.plan(desired)
		f.emu.FailAfter(n)
		err := f.p.Apply(context.Background(), origin, pl.Changes)
		f.emu.FailAfter(0)
		if err == nil {
			continue // n was past the last request
		}
		told := map[zone.Key]bool{}
		for _, c := range provider.AppliedBefore(err) {
			told[c.Key()] = true
		}
		held := map[zone.Key]bool{}
		for _, s := range f.records() {
			if s.Type == dns.TypeA && len(s.Values) == 3 {
				held[s.Key()] = true
			}
		}
		for _, s := range desired {
			if told[s.Key()] != held[s.Key()] {
				t.Errorf("n=%d: %s held %v, told applied %v (%v)", n, s.Key(), held[s.Key()], told[s.Key()], err)
			}
		}
		if len(told) > 0 && len(told) < len(desired) {
			between++
		}
	}
	if between == 0 {
		t.Error("no failure landed between batches")
	}
}
