package failover

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// hangRegistrar hangs on its first SetNameservers until the call's context ends, then works.
type hangRegistrar struct{ n int }

func (*hangRegistrar) Nameservers(context.Context, string) ([]string, error) { return nil, nil }
func (h *hangRegistrar) SetNameservers(ctx context.Context, _ string, _ nameserver.Set) (registrar.Operation, error) {
	h.n++
	if h.n == 1 {
		<-ctx.Done()
		return registrar.Operation{}, ctx.Err()
	}
	return registrar.Operation{ID: "op-2"}, nil
}

// A registrar call that hangs is cut off by AttemptTimeout and retried, not waited on forever.
func TestRunnerAttemptTimeout(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	reg := &hangRegistrar{}
	r := &Runner{Zone: "example.test.", Registrar: reg, AttemptTimeout: 20 * time.Millisecond,
		Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
		Sleep: func(context.Context, time.Duration) error { return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := r.Execute(ctx, Request{Decision: Decision{Kind: Failover, Set: sec}, Targets: []Target{{"sec", sec}}})
	if err != nil || out.Attempts != 2 || out.Operation.ID != "op-2" || !out.Applied {
		t.Fatalf("outcome %+v, err %v", out, err)
	}
}

// permanentRegistrar refuses every change with a permanent error (wrong credentials).
type permanentRegistrar struct{ n int }

func (*permanentRegistrar) Nameservers(context.Context, string) ([]string, error) { return nil, nil }
func (p *permanentRegistrar) SetNameservers(context.Context, string, nameserver.Set) (registrar.Operation, error) {
	p.n++
	return registrar.Operation{}, registrar.MarkPermanent(errors.New("HTTP 401: invalid token"))
}

// A permanent registrar error is not retried: one attempt, no backoff.
func TestRunnerPermanentNotRetried(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	reg := &permanentRegistrar{}
	r := &Runner{Zone: "example.test.", Registrar: reg, Attempts: 5,
		Probe: func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
		Sleep: func(context.Context, time.Duration) error {
			t.Error("slept before retrying a permanent registrar error")
			return nil
		}}
	out, err := r.Execute(context.Background(), Request{Decision: Decision{Kind: Failover, Set: sec}, Targets: []Target{{"sec", sec}}})
	if !errors.Is(err, registrar.ErrPermanent) || reg.n != 1 || out.Attempts != 1 || out.Applied {
		t.Fatalf("err %v, calls %d, outcome %+v", err, reg.n, out)
	}
}
