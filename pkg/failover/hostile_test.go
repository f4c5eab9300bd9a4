package failover

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// flakyRegistrar fails its first `fail` calls with err (or, when hang is set, blocks until the
// caller's context ends, like a registrar API that never answers), then accepts.
type flakyRegistrar struct {
	mu    sync.Mutex
	fail  int
	err   error
	hang  bool
	calls int
}

func (*flakyRegistrar) Nameservers(context.Context, string) ([]string, error) { return nil, nil }

func (f *flakyRegistrar) SetNameservers(ctx context.Context, _ string, _ nameserver.Set) (registrar.Operation, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if n > f.fail {
		return registrar.Operation{ID: fmt.Sprint("op-", n)}, nil
	}
	if f.hang {
		<-ctx.Done()
		return registrar.Operation{}, fmt.Errorf("registrar API: %w", ctx.Err())
	}
	return registrar.Operation{}, f.err
}

// TestRegistrarAndWebhookFaults injects registrar errors, timeouts and hangs, and webhooks that
// fail, hang or are slow, in random combinations: Execute retries the registrar at most
// Attempts times with bounded backoff, never waits for a webhook, and journals exactly one
// event whose outcome tells what happened.
func TestRegistrarAndWebhookFaults(t *testing.T) {
	_, sec := sets(t)
	round := spec{}.round(t, t0, false)
	const attempts = 3
	injected := 0
	for it := range 200 {
		r := rand.New(rand.NewPCG(uint64(it), 7))
		reg := &flakyRegistrar{fail: r.IntN(5)}
		switch r.IntN(3) {
		case 0:
			reg.err = errors.New("HTTP 500 from the registrar")
		case 1:
			reg.err = fmt.Errorf("registrar API: %w", context.DeadlineExceeded) // a client timeout
		default:
			reg.hang = true
		}
		var hookCalls atomic.Int32
		hookMode := r.IntN(3)
		var journal []Event
		var slept []time.Duration
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		regCtx := ctx
		if reg.hang { // a hanging registrar is bounded by the caller's deadline
			regCtx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		}
		run := &Runner{Zone: "example.test.", Registrar: reg, Attempts: attempts, Backoff: time.Second,
			Probe:   func(context.Context, string, nameserver.Set) (probe.Round, error) { return round, nil },
			Journal: func(ev Event) { journal = append(journal, ev) },
			Sleep: func(ctx context.Context, d time.Duration) error {
				slept = append(slept, d)
				return ctx.Err()
			},
			Webhook: func(ctx context.Context, _ Event) error {
				hookCalls.Add(1)
				switch hookMode {
				case 0:
					return errors.New("webhook: HTTP 502")
				case 1:
					<-ctx.Done() // hangs until WebhookTimeout
					return ctx.Err()
				default:
					time.Sleep(5 * time.Millisecond) // slow, then fine
					return nil
				}
			},
			WebhookTimeout: 20 * time.Millisecond,
		}
		d := Decision{Kind: Failover, Providers: []string{"sec"}, Set: sec}
		out, err := run.Execute(regCtx, Request{Decision: d, Targets: []Target{{"sec", sec}}})
		cancel()
		run.Flush()
		injected += reg.calls
		if out.Applied {
			injected-- // the last call succeeded
		}

		wantApplied := reg.fail < attempts && !reg.hang
		if reg.hang {
			// The first hang uses up the deadline: the change is not made, and not retried past it.
			wantApplied = reg.fail == 0
		}
		if out.Applied != wantApplied || (err == nil) != wantApplied {
			t.Fatalf("iteration %d (fail %d, hang %v): applied=%v err=%v, want applied=%v", it, reg.fail, reg.hang, out.Applied, err, wantApplied)
		}
		if reg.calls > attempts || out.Attempts != reg.calls {
			t.Fatalf("iteration %d: %d registrar calls, outcome says %d, at most %d allowed", it, reg.calls, out.Attempts, attempts)
		}
		for i, s := range slept {
			if want := time.Second << i; s != want {
				t.Fatalf("iteration %d: backoff %d = %s, want %s", it, i, s, want)
			}
		}
		if len(journal) != 1 || journal[0].Kind != string(Failover) {
			t.Fatalf("iteration %d: journal %+v, want one failover event", it, journal)
		}
		jo, ok := journal[0].Evidence.(Outcome)
		if !ok || jo.Attempts != out.Attempts || jo.Applied != out.Applied || (jo.Error != "") == wantApplied {
			t.Fatalf("iteration %d: journalled outcome %+v does not match %+v", it, journal[0].Evidence, out)
		}
		if hookCalls.Load() != 1 {
			t.Fatalf("iteration %d: webhook called %d times, want 1", it, hookCalls.Load())
		}
	}
	t.Logf("200 failovers, %d registrar faults injected (errors, timeouts, hangs), webhooks failing, hanging or slow: every outcome bounded and journalled", injected)
}
