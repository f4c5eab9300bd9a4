package failover

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
)

func TestControllerRetryPacingAndJournal(t *testing.T) {
	pri, sec := sets(t)
	tr, _ := NewTracker(TrackerConfig{Providers: []string{"pri", "sec"}, FailAfter: 2, RecoverAfter: 2})
	eng, _ := NewEngine(EngineConfig{Policy: Policy{Mode: Switch, Auto: true}, Primary: "pri", Secondary: "sec", PrimarySet: pri, SecondarySet: sec})
	reg := &fakeRegistrar{fail: 3} // the first Execute fails after its 3 attempts
	var journal []Event
	var cur probe.Round
	r := &Runner{Zone: "example.test.", Registrar: reg, Sleep: func(context.Context, time.Duration) error { return nil },
		Probe:   func(context.Context, string, nameserver.Set) (probe.Round, error) { return cur, nil },
		Journal: func(ev Event) { journal = append(journal, ev) }}
	c := &Controller{Tracker: tr, Engine: eng, Runner: r, RetryEvery: time.Minute}
	var callsAt []int
	for i, s := range seq(repeat(1, spec{}), repeat(12, spec{priDown: 4})) {
		now := t0.Add(time.Duration(i) * 10 * time.Second)
		cur = s.round(t, now, false)
		before := len(reg.calls)
		c.Step(context.Background(), now, cur)
		if len(reg.calls) > before {
			callsAt = append(callsAt, i)
		}
	}
	// Down at round 2 (3 failing attempts), paced for 60 s: next try at round 8, which succeeds.
	if !slices.Equal(callsAt, []int{2, 8}) || len(reg.calls) != 4 {
		t.Errorf("registrar called at rounds %v (%d calls), want [2 8] (4 calls)", callsAt, len(reg.calls))
	}
	if !slices.Equal(eng.Current(), []string{"sec"}) {
		t.Errorf("current = %v", eng.Current())
	}
	var kinds []string
	for _, ev := range journal {
		kinds = append(kinds, ev.Kind)
	}
	// verdict up x2, verdict down, failed failover, held back (once), done failover
	want := []string{"verdict", "verdict", "verdict", "failover", "failover", "failover"}
	if !slices.Equal(kinds, want) {
		t.Errorf("journal kinds = %v, want %v", kinds, want)
	}
	if !strings.Contains(journal[4].Message, "held back") || !strings.Contains(journal[5].Message, "done") {
		t.Errorf("journal messages: %q / %q", journal[4].Message, journal[5].Message)
	}
}

func TestProvidersOf(t *testing.T) {
	pri, sec := sets(t)
	eng, _ := NewEngine(EngineConfig{Policy: Policy{Mode: ActiveActive}, Primary: "pri", Secondary: "sec", PrimarySet: pri, SecondarySet: sec})
	for _, c := range []struct {
		names []string
		want  []string
	}{
		{[]string{"A.PRI.TEST", "b.pri.test.", "a.sec.test.", "b.sec.test."}, []string{"pri", "sec"}},
		{[]string{"a.sec.test.", "b.sec.test."}, []string{"sec"}},
		{[]string{"a.pri.test.", "a.sec.test.", "b.sec.test."}, []string{"sec"}},
		{[]string{"other.net."}, nil},
	} {
		if got := eng.ProvidersOf(c.names); !slices.Equal(got, c.want) {
			t.Errorf("ProvidersOf(%v) = %v, want %v", c.names, got, c.want)
		}
	}
}
