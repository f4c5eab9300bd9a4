package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestCancelledApplyTellsWhatWasApplied: an Apply cancelled between UPDATE messages returns a
// provider.PartialError naming exactly the changes the server holds.
func TestCancelledApplyTellsWhatWasApplied(t *testing.T) {
	s := startServer(t, dnsserver.StartKnot)
	p := newTestProvider(t, s, 3) // 3 records per message: 10 messages
	var changes []plan.Change
	for i := range 30 {
		rs := zone.RRset{Name: fmt.Sprintf("c%02d.%s", i, testOrigin), Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.1"}}
		changes = append(changes, plan.Change{Action: plan.Create, New: &rs})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.afterChunk = func(i int) {
		if i == 3 {
			cancel()
		}
	}
	err := p.Apply(ctx, testOrigin, changes)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply after cancel: %v", err)
	}
	told := map[zone.Key]bool{}
	for _, c := range provider.AppliedBefore(err) {
		told[c.Key()] = true
	}
	if len(told) != 12 {
		t.Errorf("error tells %d changes applied, want 12 (4 messages of 3): %v", len(told), err)
	}
	got, err := p.Records(context.Background(), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	held := map[zone.Key]bool{}
	for _, rs := range got {
		if rs.Type == dns.TypeA && rs.Name[0] == 'c' {
			held[rs.Key()] = true
		}
	}
	for k := range held {
		if !told[k] {
			t.Errorf("%s on the server but not told applied", k)
		}
	}
	for k := range told {
		if !held[k] {
			t.Errorf("%s told applied but not on the server", k)
		}
	}
}
