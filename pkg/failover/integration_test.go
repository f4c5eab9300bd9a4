package failover

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/providers/registrar/rfc2136"
)

// TestControllerAgainstKnotParent drives the whole decision path into a real parent zone served
// by Knot: synthetic probe rounds, the rfc2136 registrar, and a WaitParent that asks the parent.
func TestControllerAgainstKnotParent(t *testing.T) {
	key := dnsserver.TestKey
	parent := dnsserver.StartKnot(t, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: "test.", Text: `$TTL 300
test. IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
test. IN NS ns.test.
ns.test. IN A 192.0.2.250
example.test. IN NS a.pri.test.
example.test. IN NS b.pri.test.
`}}})
	reg, err := rfc2136.New(rfc2136.Config{Server: parent.Addr, Zone: "test.", KeyName: key.Name, KeyAlg: key.Alg, Key: key.Secret, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	pri, sec := sets(t)
	for _, mode := range []Mode{Switch, ActiveActive} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			// Start from the normal delegation of this mode.
			eng, _ := NewEngine(EngineConfig{Policy: Policy{Mode: mode, Auto: true, Failback: FailbackAuto},
				Primary: "pri", Secondary: "sec", PrimarySet: pri, SecondarySet: sec})
			if _, err := reg.SetNameservers(ctx, "example.test.", eng.SetOf(eng.Normal())); err != nil {
				t.Fatal(err)
			}
			tr, _ := NewTracker(TrackerConfig{Providers: []string{"pri", "sec"}, FailAfter: 3, RecoverAfter: 2})
			var cur probe.Round
			r := &Runner{Zone: "example.test.", Registrar: reg,
				Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return cur, nil },
				WaitParent: func(ctx context.Context, want []string) error {
					slices.Sort(want)
					for i := 0; i < 50; i++ { // bounded: 50 x 20 ms
						got, err := reg.Nameservers(ctx, "example.test.")
						if err == nil && slices.Equal(got, want) {
							return nil
						}
						select {
						case <-ctx.Done():
							return ctx.Err()
						case <-time.After(20 * time.Millisecond):
						}
					}
					return fmt.Errorf("parent does not publish %v", want)
				}}
			c := &Controller{Tracker: tr, Engine: eng, Runner: r}
			published := func() string {
				got, err := reg.Nameservers(ctx, "example.test.")
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(got)
			}
			var trail []string
			for i, s := range seq(repeat(2, spec{}), repeat(4, spec{priDown: 4}), repeat(3, spec{})) {
				now := t0.Add(time.Duration(i) * 10 * time.Second)
				cur = s.round(t, now, false)
				res := c.Step(ctx, now, cur)
				if res.Err != nil {
					t.Fatalf("round %d: %v", i, res.Err)
				}
				if res.Outcome != nil {
					if !res.Outcome.ParentConfirmed {
						t.Errorf("round %d: parent not confirmed: %s", i, res.Outcome.ParentError)
					}
					trail = append(trail, fmt.Sprintf("%d:%s %s", i, res.Decision.Kind, published()))
				}
			}
			all := "[a.pri.test. a.sec.test. b.pri.test. b.sec.test.]"
			want := []string{"4:failover [a.sec.test. b.sec.test.]", "7:failback [a.pri.test. b.pri.test.]"}
			if mode == ActiveActive {
				want[1] = "7:failback " + all
			}
			if !slices.Equal(trail, want) {
				t.Errorf("delegation trail = %q, want %q", trail, want)
			}
		})
	}
}
