package failover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
)

func TestQuorum(t *testing.T) {
	for _, c := range []struct {
		q             string
		failed, total int
		want          bool
	}{
		{"all", 4, 4, true}, {"all", 3, 4, false}, {"", 1, 1, true},
		{"majority", 2, 4, false}, {"majority", 3, 4, true}, {"majority", 2, 3, true},
		{"any", 1, 4, true}, {"any", 0, 4, false},
		{"2", 1, 4, false}, {"2", 2, 4, true}, {"3", 1, 1, true},
		{"all", 0, 0, false},
	} {
		q, err := ParseQuorum(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Failing(c.failed, c.total); got != c.want {
			t.Errorf("quorum %q: Failing(%d, %d) = %v, want %v", c.q, c.failed, c.total, got, c.want)
		}
	}
	for _, bad := range []string{"0", "-1", "most"} {
		if _, err := ParseQuorum(bad); err == nil {
			t.Errorf("ParseQuorum(%q): no error", bad)
		}
	}
}

func TestTrackerTransitions(t *testing.T) {
	tr, err := NewTracker(TrackerConfig{Providers: []string{"pri", "sec"}, FailAfter: 2, RecoverAfter: 2})
	if err != nil {
		t.Fatal(err)
	}
	ok, priDown, all := spec{}, spec{priDown: 4}, spec{priDown: 4, secDown: 2}
	var got []string
	for i, s := range []spec{ok, all, all, priDown, priDown, ok, ok} {
		for _, x := range tr.Observe(s.round(t, t0.Add(time.Duration(i)*time.Second), false)) {
			got = append(got, x.Provider+":"+string(x.To))
			if x.To == Down && len(x.Evidence) != 4 {
				t.Errorf("down evidence = %d results, want the 4 failing ones", len(x.Evidence))
			}
		}
	}
	want := "pri:up sec:up controller:cut_off controller:up pri:down pri:up"
	if strings.Join(got, " ") != want {
		t.Errorf("transitions = %q, want %q", strings.Join(got, " "), want)
	}
	if tr.Health("pri") != Up || tr.CutOff() {
		t.Errorf("final state %v", tr.Snapshot())
	}
}

func TestEngineManual(t *testing.T) {
	pri, sec := sets(t)
	e, err := NewEngine(EngineConfig{Policy: Policy{Mode: ActiveActive}, Primary: "pri", Secondary: "sec", PrimarySet: pri, SecondarySet: sec})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.ManualFailover("pri")
	if err != nil || d.Kind != Failover || strings.Join(d.Set.Names(), " ") != secNames {
		t.Fatalf("manual failover = %+v, %v", d, err)
	}
	e.Applied(t0, d)
	if d, _ := e.ManualFailover("sec"); d.Kind != Failover || strings.Join(d.Providers, ",") != "pri" {
		t.Errorf("removing the last provider must swap to the other, got %+v", d)
	}
	fb := e.ManualFailback()
	if fb.Kind != Restore || strings.Join(fb.Set.Names(), " ") != allNames {
		t.Errorf("manual failback = %+v", fb)
	}
	e.Applied(t0, fb)
	if e.ManualFailback().Kind != None {
		t.Errorf("failback when normal should be None")
	}
}

func TestMatchesDSDigestTypes(t *testing.T) {
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET},
		Flags: 257, Protocol: 3, Algorithm: dns.ED25519, PublicKey: "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="}
	for _, dt := range []uint8{dns.SHA1, dns.SHA256, dns.SHA384} {
		if !MatchesDS([]*dns.DNSKEY{key}, []*dns.DS{key.ToDS(dt)}) {
			t.Errorf("digest type %d: no match", dt)
		}
	}
	ds := key.ToDS(dns.SHA256)
	ds.Digest = strings.Repeat("0", len(ds.Digest))
	if MatchesDS([]*dns.DNSKEY{key}, []*dns.DS{ds}) {
		t.Errorf("wrong digest matched")
	}
}

func TestPreflightForceAndUnprobed(t *testing.T) {
	pri, _ := sets(t)
	round := spec{priDown: 1}.round(t, t0, false)
	round.Results = round.Results[:3] // the fourth address is not probed at all
	cfg := PreflightConfig{Zone: "example.test.", Targets: []Target{{"pri", pri}}, RequireInSync: true, ExpectedStamp: stampOf(stampHash),
		Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil }}
	rep, err := Preflight(context.Background(), cfg)
	if !errors.Is(err, ErrPreflight) || len(rep.Problems) != 2 || !strings.Contains(err.Error(), "timeout") || !strings.Contains(err.Error(), "not probed") {
		t.Fatalf("preflight = %+v, %v", rep, err)
	}
	cfg.Force = true
	rep, err = Preflight(context.Background(), cfg)
	if err != nil || !rep.Forced || rep.OK {
		t.Fatalf("forced preflight = %+v, %v", rep, err)
	}
}

type waitRegistrar struct {
	fakeRegistrar
	waitErr error
}

func (w *waitRegistrar) Wait(context.Context, string, registrar.Operation) error { return w.waitErr }

func TestRunnerWaiterParentWebhook(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	var hooks atomic.Int32
	reg := &waitRegistrar{}
	var journal []Event
	r := &Runner{Zone: "example.test.", Registrar: reg, Now: func() time.Time { return t0 },
		Probe:      func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
		WaitParent: func(context.Context, []string) error { return errors.New("deadline: parent still serves the old set") },
		Journal:    func(ev Event) { journal = append(journal, ev) },
		Webhook: func(ctx context.Context, ev Event) error {
			hooks.Add(1)
			<-ctx.Done() // a hanging webhook: bounded by WebhookTimeout, never blocks Execute
			return ctx.Err()
		},
		WebhookTimeout: time.Millisecond,
	}
	d := Decision{Kind: Failover, Providers: []string{"sec"}, Set: sec}
	out, err := r.Execute(context.Background(), Request{Decision: d, Targets: []Target{{"sec", sec}}})
	if err != nil || !out.Applied || out.ParentConfirmed || out.ParentError == "" {
		t.Fatalf("outcome = %+v, %v", out, err)
	}
	r.Flush()
	if hooks.Load() != 1 || len(journal) != 1 || journal[0].Kind != "failover" {
		t.Errorf("hooks=%d journal=%+v", hooks.Load(), journal)
	}

	reg.waitErr = errors.New("operation FAILED")
	out, err = r.Execute(context.Background(), Request{Decision: d, Targets: []Target{{"sec", sec}}})
	if err == nil || out.Applied {
		t.Errorf("failed operation must not count as applied: %+v, %v", out, err)
	}
	out, err = r.Execute(context.Background(), Request{Decision: d, Targets: []Target{{"sec", sec}}, DryRun: true})
	if err != nil || !out.DryRun || len(reg.calls) != 2 {
		t.Errorf("dry run called the registrar: %+v, %v, calls %d", out, err, len(reg.calls))
	}
	r.Flush()
}

func TestRunnerManualNotRetried(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	n := 0
	r := &Runner{Zone: "example.test.", Registrar: manualReg{&n},
		Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
		Sleep: func(context.Context, time.Duration) error {
			t.Error("slept before retrying a manual registrar")
			return nil
		}}
	_, err := r.Execute(context.Background(), Request{Decision: Decision{Kind: Failover, Set: sec}, Targets: []Target{{"sec", sec}}})
	if !errors.Is(err, registrar.ErrManual) || n != 1 {
		t.Errorf("err=%v calls=%d", err, n)
	}
}

type manualReg struct{ n *int }

func (manualReg) Nameservers(context.Context, string) ([]string, error) { return nil, nil }
func (m manualReg) SetNameservers(context.Context, string, nameserver.Set) (registrar.Operation, error) {
	*m.n++
	return registrar.Operation{}, registrar.ErrManual
}

type hintErr struct{}

func (hintErr) Error() string                 { return "HTTP 429" }
func (hintErr) RetryAfterHint() time.Duration { return 30 * time.Second }

type hintRegistrar struct{ n int }

func (*hintRegistrar) Nameservers(context.Context, string) ([]string, error) { return nil, nil }
func (h *hintRegistrar) SetNameservers(context.Context, string, nameserver.Set) (registrar.Operation, error) {
	h.n++
	if h.n == 1 {
		return registrar.Operation{}, fmt.Errorf("wrapped: %w", hintErr{})
	}
	return registrar.Operation{}, nil
}

func TestRunnerHonoursRetryAfter(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	var slept []time.Duration
	r := &Runner{Zone: "example.test.", Registrar: &hintRegistrar{},
		Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	out, err := r.Execute(context.Background(), Request{Decision: Decision{Kind: Failover, Set: sec}, Targets: []Target{{"sec", sec}}})
	if err != nil || out.Attempts != 2 || len(slept) != 1 || slept[0] != 30*time.Second {
		t.Errorf("outcome %+v, err %v, slept %v", out, err, slept)
	}
}
