package powerdns

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// A PATCH refused after earlier ones succeeded: the error is a provider.PartialError naming
// exactly the changes PowerDNS holds.
func TestRefusedPatchTellsWhatWasApplied(t *testing.T) {
	_, p := start(t)
	p.cfg.MaxBody = 2048
	var changes []plan.Change
	for i := range 60 {
		s := zone.RRset{Name: "h" + itoa(i) + "." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2." + itoa(i+1)}}
		changes = append(changes, plan.Change{Action: plan.Create, New: &s})
	}
	// Last, in the final PATCH: a CNAME beside other data, which PowerDNS refuses (422).
	bad := zone.RRset{Name: "zz." + testOrigin, Type: dns.TypeCNAME, TTL: 300, Values: []string{"x.example.net."}}
	beside := zone.RRset{Name: "zz." + testOrigin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.200"}}
	changes = append(changes, plan.Change{Action: plan.Create, New: &bad}, plan.Change{Action: plan.Create, New: &beside})
	if b, _ := p.batches(changes); len(b) < 3 {
		t.Fatalf("%d PATCHes; the test needs several", len(b))
	}
	err := p.Apply(context.Background(), testOrigin, changes)
	if err == nil || !strings.Contains(err.Error(), "422") {
		t.Fatalf("err = %v, want the 422 of the last PATCH", err)
	}
	told := map[zone.Key]bool{}
	for _, c := range provider.AppliedBefore(err) {
		told[c.Key()] = true
	}
	got, rerr := p.Records(context.Background(), testOrigin)
	if rerr != nil {
		t.Fatal(rerr)
	}
	held := map[zone.Key]bool{}
	for _, s := range got {
		if s.Name != testOrigin && s.Name != "ns1."+testOrigin {
			held[s.Key()] = true
		}
	}
	if len(told) == 0 || len(told) != len(held) {
		t.Errorf("error tells %d changes applied; PowerDNS holds %d: %v", len(told), len(held), err)
	}
	for k := range held {
		if !told[k] {
			t.Errorf("%s held but not told applied", k)
		}
	}
}
