package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/stamp"
)

// Event is a journal line; its fields match pkg/state.Event, so state.Event(ev) converts it.
type Event struct {
	Time     time.Time `json:"time"`
	Zone     string    `json:"zone,omitempty"`
	Kind     string    `json:"kind"`
	Provider string    `json:"provider,omitempty"`
	Message  string    `json:"message"`
	Evidence any       `json:"evidence,omitempty"`
}

// Request asks the Runner to carry out one decision.
type Request struct {
	Decision      Decision
	Targets       []Target // providers to preflight (usually Engine.Targets(Decision))
	RequireInSync bool
	ExpectedStamp stamp.Stamp // what RequireInSync demands: the newest version known
	ParentDS      []*dns.DS
	Force         bool // preflight problems are reported, not refused
	DryRun        bool // preflight only; the registrar is not called
	// Guard, when set, runs immediately before every registrar call: an error stops the
	// change (the registrar is not called), a time bounds the call (fleet mode: the lease is
	// proven held until then; see fleet.Lease.Check).
	Guard func(ctx context.Context) (until time.Time, err error)
}

// Outcome is what Execute did; it is the evidence of the journal event.
type Outcome struct {
	Decision        Decision            `json:"decision"`
	Preflight       PreflightReport     `json:"preflight"`
	DryRun          bool                `json:"dry_run,omitempty"`
	Applied         bool                `json:"applied"` // the registrar accepted the change
	Attempts        int                 `json:"attempts"`
	Operation       registrar.Operation `json:"operation"`
	ParentConfirmed bool                `json:"parent_confirmed"`
	ParentError     string              `json:"parent_error,omitempty"`
	Error           string              `json:"error,omitempty"`
	Started         time.Time           `json:"started"`
	Finished        time.Time           `json:"finished"`
}

// maxRetryAfter caps a registrar's Retry-After hint between attempts.
const maxRetryAfter = 2 * time.Minute

// Runner carries out delegation changes: preflight, registrar (bounded retries), Waiter, parent
// polling, journal, webhook (async, bounded), metrics. Zero-valued optional fields are skipped.
type Runner struct {
	Zone        string
	Registrar   registrar.Registrar
	Probe       ProbeFunc
	QueryDNSKEY DNSKEYFunc
	// WaitParent blocks until the parent's servers publish want (absolute names) or ctx ends.
	WaitParent     func(ctx context.Context, want []string) error
	ParentTimeout  time.Duration // deadline for WaitParent (and Waiter.Wait); default 10 min
	Journal        func(Event)
	Webhook        func(ctx context.Context, ev Event) error
	WebhookTimeout time.Duration // default 10 s
	Metrics        func(Outcome)
	Attempts       int           // registrar attempts; default 3
	Backoff        time.Duration // before attempt n+1: Backoff * 2^(n-1); default 2 s
	AttemptTimeout time.Duration // bounds one SetNameservers call; default 2 min
	Now            func() time.Time
	Sleep          func(ctx context.Context, d time.Duration) error // default: timer honouring ctx
	Logger         *slog.Logger

	webhooks sync.WaitGroup
}

// Execute carries out req. It returns an error when the delegation was not changed (preflight
// refused, registrar failed after retries, ctx ended before the registrar accepted). A parent
// that does not publish the new set before the deadline is recorded in Outcome.ParentError,
// not returned: the change was made. Every call writes a journal event.
func (r *Runner) Execute(ctx context.Context, req Request) (Outcome, error) {
	out := Outcome{Decision: req.Decision, DryRun: req.DryRun, Started: r.now()}
	err := r.execute(ctx, req, &out)
	out.Finished = r.now()
	if err != nil {
		out.Error = err.Error()
	}
	r.record(out)
	return out, err
}

func (r *Runner) execute(ctx context.Context, req Request, out *Outcome) error {
	if req.Decision.Kind == None || len(req.Decision.Set) == 0 {
		return fmt.Errorf("%s: nothing to do (empty decision)", r.Zone)
	}
	if r.Registrar == nil && !req.DryRun {
		return fmt.Errorf("%s: no registrar configured", r.Zone)
	}
	rep, err := Preflight(ctx, PreflightConfig{Zone: r.Zone, Targets: req.Targets, RequireInSync: req.RequireInSync,
		ExpectedStamp: req.ExpectedStamp, ParentDS: req.ParentDS, Force: req.Force, Probe: r.Probe, QueryDNSKEY: r.QueryDNSKEY})
	out.Preflight = rep
	if err != nil {
		return fmt.Errorf("%s: %w", r.Zone, err)
	}
	if rep.Forced {
		r.logger().Warn("preflight problems overridden by force", "zone", r.Zone, "problems", rep.Problems)
	}
	if req.DryRun {
		return nil
	}
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := r.Backoff
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	attemptTimeout := r.AttemptTimeout
	if attemptTimeout <= 0 {
		attemptTimeout = 2 * time.Minute
	}
	// The runner is the only retry layer for registrars (their adapters do not retry): a
	// bounded number of attempts, each bounded in time, none after a permanent error.
	var lastErr error
	for i := range attempts {
		if i > 0 {
			wait := backoff << (i - 1)
			var hint interface{ RetryAfterHint() time.Duration }
			if errors.As(lastErr, &hint) && hint.RetryAfterHint() > wait {
				wait = min(hint.RetryAfterHint(), maxRetryAfter)
			}
			if err := r.sleep(ctx, wait); err != nil {
				return fmt.Errorf("%s: registrar: %w (after: %v)", r.Zone, err, lastErr)
			}
		}
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		if req.Guard != nil {
			until, err := req.Guard(ctx)
			if err != nil {
				cancel()
				lastErr = fmt.Errorf("not calling the registrar: %w", err)
				break
			}
			if end := time.Now().Add(attemptTimeout); until.After(end) {
				until = end
			}
			cancel()
			actx, cancel = context.WithDeadline(ctx, until)
		}
		out.Attempts++
		op, err := r.Registrar.SetNameservers(actx, r.Zone, req.Decision.Set)
		cancel()
		if err == nil {
			out.Operation, lastErr = op, nil
			break
		}
		lastErr = err
		r.logger().Warn("registrar refused the nameserver change", "zone", r.Zone, "attempt", i+1, "err", err)
		if registrar.IsPermanent(err) || ctx.Err() != nil {
			break
		}
	}
	if lastErr != nil {
		return fmt.Errorf("%s: registrar: %w", r.Zone, lastErr)
	}
	out.Applied = true

	timeout := r.ParentTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if w, ok := r.Registrar.(registrar.Waiter); ok {
		if err := w.Wait(wctx, r.Zone, out.Operation); err != nil {
			// The registrar accepted the request but the operation failed: not applied.
			out.Applied = false
			return fmt.Errorf("%s: registrar operation %s: %w", r.Zone, out.Operation.ID, err)
		}
	}
	if r.WaitParent != nil {
		if err := r.WaitParent(wctx, req.Decision.Set.Names()); err != nil {
			out.ParentError = err.Error()
			r.logger().Warn("parent does not publish the new delegation yet", "zone", r.Zone, "err", err)
		} else {
			out.ParentConfirmed = true
		}
	}
	return nil
}

// record writes the journal event, updates metrics and fires the webhook.
func (r *Runner) record(out Outcome) {
	kind := string(out.Decision.Kind)
	if out.Decision.Kind == None {
		kind = string(Failover)
	}
	msg := fmt.Sprintf("%s to %v: ", kind, out.Decision.Set.Names())
	switch {
	case out.Error != "":
		msg += "not done: " + out.Error
	case out.DryRun:
		msg += "dry run, preflight passed"
	case out.ParentConfirmed:
		msg += "done, the parent publishes the new set"
	case out.ParentError != "":
		msg += "done at the registrar, the parent does not publish it yet"
	default:
		msg += "done at the registrar"
	}
	ev := Event{Time: out.Finished, Zone: r.Zone, Kind: kind, Message: msg, Evidence: out}
	if r.Journal != nil {
		r.Journal(ev)
	}
	if r.Metrics != nil {
		r.Metrics(out)
	}
	if r.Webhook != nil && !out.DryRun {
		r.fireWebhook(ev)
	}
}

// Notify journals ev and fires the webhook for it (verdict changes, blocked decisions).
func (r *Runner) Notify(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = r.now()
	}
	if ev.Zone == "" {
		ev.Zone = r.Zone
	}
	if r.Journal != nil {
		r.Journal(ev)
	}
	if r.Webhook != nil {
		r.fireWebhook(ev)
	}
}

func (r *Runner) fireWebhook(ev Event) {
	timeout := r.WebhookTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	r.webhooks.Add(1)
	go func() {
		defer r.webhooks.Done()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := r.Webhook(ctx, ev); err != nil {
			r.logger().Warn("webhook failed", "zone", r.Zone, "kind", ev.Kind, "err", err)
		}
	}()
}

// Flush waits for webhook calls in flight (each bounded by WebhookTimeout).
func (r *Runner) Flush() { r.webhooks.Wait() }

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
