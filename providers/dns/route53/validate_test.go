package route53

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

func weight(w int64) *int64 { return &w }

// seedPolicies puts routing-policy and alias records at several names, as a console user would.
func seedPolicies(t *testing.T, e *testEnv) {
	t.Helper()
	for _, s := range []r53emu.RRset{
		{Name: "w.example.com.", Type: "A", SetIdentifier: "blue", Weight: weight(10), TTL: 60, Values: []string{"192.0.2.1"}},
		{Name: "w.example.com.", Type: "A", SetIdentifier: "green", Weight: weight(20), TTL: 60, Values: []string{"192.0.2.2"}},
		{Name: "lat.deep.example.com.", Type: "AAAA", SetIdentifier: "eu", Region: "eu-west-1", TTL: 60, Values: []string{"2001:db8::1"}},
		{Name: "example.com.", Type: "A", Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111.cloudfront.net."}},
		{Name: "cdn.example.com.", Type: "AAAA", Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111.cloudfront.net."}},
	} {
		if err := e.srv.Put(e.id, s); err != nil {
			t.Fatal(err)
		}
	}
}

// Each rule Route 53 documents is refused at plan time, naming the record, before any write.
func TestValidateRefusesRoute53Rules(t *testing.T) {
	e := newEnv(t)
	seedPolicies(t, e)
	many := make([]string, MaxValues+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.0.%d.%d", i/250, i%250)
	}
	long := `"` + strings.Repeat("x", 250) + `"`
	longTXT := strings.TrimSpace(strings.Repeat(long+" ", 16)) // 16 strings, 4,032 characters
	for _, tc := range []struct {
		name string
		set  zone.RRset
		want string
	}{
		{"value over 4000", set("big", dns.TypeTXT, 300, longTXT), "big.example.com. TXT has a value of 4047 characters"},
		{"over 400 values", set("many", dns.TypeA, 300, many...), "many.example.com. A has 401 values"},
		{"CNAME beside weighted", set("w", dns.TypeCNAME, 300, "t.example.net."), "w.example.com. CNAME cannot be written"},
		{"CNAME beside alias", set("cdn", dns.TypeCNAME, 300, "t.example.net."), "alias AAAA record"},
		{"wildcard NS", set("*", dns.TypeNS, 300, "ns.example.net."), "wildcard NS"},
		{"* inside a label", set("a*b", dns.TypeA, 300, "192.0.2.9"), "not inside a label"},
		{"* as a middle label", set("a.*", dns.TypeA, 300, "192.0.2.9"), "not as a middle label"},
		{"the weighted set itself", set("w", dns.TypeA, 300, "192.0.2.9"), "routing-policy record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired := append(e.records(t), tc.set)
			p := e.plan(t, desired)
			err := e.p.Validate(context.Background(), testZone, p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
			before := e.srv.Stats().Writes
			if err := e.p.Apply(context.Background(), testZone, p.Changes); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Apply: %v, want %q", err, tc.want)
			}
			if w := e.srv.Stats().Writes; w != before {
				t.Errorf("Apply sent %d change batches", w-before)
			}
		})
	}
	// The wildcard as a whole leftmost label, other than NS, is fine.
	p := e.plan(t, append(e.records(t), set("*", dns.TypeA, 300, "192.0.2.9")))
	if err := e.p.Validate(context.Background(), testZone, p); err != nil {
		t.Errorf("wildcard A: %v", err)
	}
}

// A plan one provider refuses is refused for that provider before any batch; the other
// provider still syncs. Routing-policy and alias records at every name stay as they were.
func TestSyncRefusedForRoute53OnlyAndPoliciesUntouched(t *testing.T) {
	strict, other := newEnv(t), newEnv(t)
	seedPolicies(t, strict)
	seedPolicies(t, other)
	soa := strict.records(t)
	desired := append([]zone.RRset{}, soa...)
	desired = append(desired, set("www", dns.TypeA, 300, "192.0.2.10"), set("mail", dns.TypeMX, 300, "10 mx.example.net."))
	syncer := &tzsync.Syncer{Retry: tzsync.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}}
	targets := func() []tzsync.Target {
		return []tzsync.Target{{Name: "strict", Provider: strict.p, Options: plan.Options{Origin: testZone}},
			{Name: "other", Provider: other.p, Options: plan.Options{Origin: testZone}}}
	}
	before := r53emuSnapshot(strict)
	// Only the strict provider gets the record that breaks a rule: a CNAME at the weighted name.
	bad := set("w", dns.TypeCNAME, 300, "t.example.net.")
	res := syncer.Sync(context.Background(), targets()[:1], append(desired, bad), tzsync.Options{Force: true})
	if res[0].Err == nil || !errors.Is(res[0].Err, plan.ErrPlan) || !strings.Contains(res[0].Err.Error(), "w.example.com. CNAME") {
		t.Fatalf("strict: %v", res[0].Err)
	}
	if got := r53emuSnapshot(strict); got != before {
		t.Errorf("strict provider changed although refused:\n%s\nwas\n%s", got, before)
	}
	// A good plan syncs both, and deletes
	// nothing of the routing-policy and alias records at any name.
	res = syncer.Sync(context.Background(), targets(), desired, tzsync.Options{Force: true})
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Target, r.Err)
		}
	}
	for _, e := range []*testEnv{strict, other} {
		for _, k := range [][2]string{{"w.example.com.", "A"}, {"lat.deep.example.com.", "AAAA"}, {"example.com.", "A"}, {"cdn.example.com.", "AAAA"}} {
			n := 0
			for _, s := range e.srv.RRsets(e.id) {
				if s.Name == k[0] && s.Type == k[1] {
					n++
				}
			}
			if n == 0 {
				t.Errorf("%s %s was deleted", k[0], k[1])
			}
		}
		if _, ok := e.srv.Get(e.id, "www.example.com.", "A"); !ok {
			t.Error("www not synced")
		}
	}
}

func r53emuSnapshot(e *testEnv) string {
	var b strings.Builder
	for _, s := range e.srv.RRsets(e.id) {
		fmt.Fprintf(&b, "%s %s %s %v\n", s.Name, s.Type, s.SetIdentifier, s.Values)
	}
	return b.String()
}

// An InvalidChangeBatch in its <InvalidChangeBatch><Messages> form shows AWS's reasons, not
// only the SDK's generic "ChangeBatch errors occurred".
func TestInvalidChangeBatchMessagesShown(t *testing.T) {
	e := newEnv(t)
	if err := e.sync(t, append(e.records(t), set("www", dns.TypeA, 300, "192.0.2.1"))); err != nil {
		t.Fatal(err)
	}
	p := e.plan(t, e.records(t)[:0:0]) // nothing desired: delete www (SOA and apex NS are not managed)
	// Behind twinzone's back, www changes: the DELETE no longer matches.
	if err := e.srv.Put(e.id, r53emu.RRset{Name: "www.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.2"}}); err != nil {
		t.Fatal(err)
	}
	e.srv.SetLegacyInvalidChangeBatch(true)
	err := e.p.Apply(context.Background(), testZone, p.Changes)
	if err == nil || !strings.Contains(err.Error(), "values provided do not match the current values") {
		t.Fatalf("Apply: %v", err)
	}
}
