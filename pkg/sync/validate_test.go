package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// refusing is a fake whose provider rules refuse every plan with a change (provider.Validator).
type refusing struct {
	*fake
	validated int
}

var _ provider.Validator = (*refusing)(nil)

func (r *refusing) Validate(_ context.Context, zone string, p *plan.Plan) error {
	r.validated++
	if zone != origin || p == nil || p.Empty() {
		return errors.New("validated the wrong plan")
	}
	return errors.New("refused: " + p.Changes[0].Key().String() + " breaks a provider rule")
}

// A plan the provider's rules refuse is refused before any write, for that provider only.
func TestValidatorRefusesBeforeWriting(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	desired := randomZone(r, 30)
	bad := &refusing{fake: newFake(nil)}
	good := newFake(nil)
	tg := targets(bad.fake, good)
	tg[0].Provider = bad
	for _, dry := range []bool{true, false} {
		res := (&Syncer{Retry: fastRetry}).Sync(context.Background(), tg, desired, Options{DryRun: dry})
		if res[0].Err == nil || !errors.Is(res[0].Err, plan.ErrPlan) || !strings.Contains(res[0].Err.Error(), "breaks a provider rule") {
			t.Fatalf("dry run %v: refused provider's error: %v", dry, res[0].Err)
		}
		if res[1].Err != nil {
			t.Fatalf("dry run %v: other provider: %v", dry, res[1].Err)
		}
	}
	if bad.validated != 2 {
		t.Errorf("Validate called %d times, want 2", bad.validated)
	}
	if _, applies := bad.counts(); applies != 0 || len(bad.state()) != 0 {
		t.Errorf("refused provider got %d Apply calls, holds %d RRsets", applies, len(bad.state()))
	}
	if !converged(t, good, desired) {
		t.Error("the other provider did not converge")
	}
}

// shaping is a fake that serves A records with its own TTL (provider.Shaper says so).
type shaping struct{ *fake }

var _ provider.Shaper = shaping{}

func (s shaping) Shape(_ string, desired []zone.RRset) []zone.RRset {
	out := slices.Clone(desired)
	for i := range out {
		if out[i].Type == dns.TypeA {
			out[i].TTL = 42
		}
	}
	return out
}

// A target's own desired records (Target.Desired) replace Sync's, the stamp still hashing
// Sync's; a Shaper's shaping is what the plan compares, so a second sync writes nothing.
func TestTargetDesiredAndShaper(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	desired := randomZone(r, 20)
	other := append(slices.Clone(desired), zone.RRset{Name: "only-here." + origin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.99"}})
	a, b := newFake(nil), shaping{newFake(nil)}
	tg := targets(a, b.fake)
	tg[0].Desired = other
	tg[1].Provider = b
	s := &Syncer{Retry: fastRetry}
	for round := range 2 {
		res := s.Sync(context.Background(), tg, desired, Options{Force: true})
		if err := errOf(res); err != nil {
			t.Fatal(err)
		}
		if round == 1 && (!res[0].Plan.Empty() || !res[1].Plan.Empty()) {
			t.Errorf("second sync planned %v / %v", res[0].Plan.Changes, res[1].Plan.Changes)
		}
	}
	if _, ok := a.state()[zone.Key{Name: "only-here." + origin, Type: dns.TypeA}]; !ok {
		t.Error("the target's own desired records were not used")
	}
	for _, f := range []*fake{a, b.fake} {
		if h, ok := stampOf(f); !ok || h != plan.StampHash(desired) {
			t.Errorf("stamp %q, want the hash of Sync's desired", h)
		}
	}
	for k, s := range b.state() {
		if k.Type == dns.TypeA && s.TTL != 42 {
			t.Errorf("%v has TTL %d, want the shaped 42", k, s.TTL)
		}
	}
}
