package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
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
