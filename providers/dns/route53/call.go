package route53

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/retry"
)

// errPanic wraps a recovered panic.
var errPanic = errors.New("route53: internal error (recovered panic)")

// recovered turns a panic value into an error; use as `defer recovered(&err)`.
func recovered(err *error, log func(msg string, args ...any)) {
	if r := recover(); r != nil {
		log("route53: recovered panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = fmt.Errorf("%w: %v", errPanic, r)
	}
}

var (
	throttles  = awsretry.IsErrorThrottles(awsretry.DefaultThrottles)
	retryables = awsretry.IsErrorRetryables(awsretry.DefaultRetryables)
)

// classify tells whether a failed attempt is worth retrying, and whether the request might
// have taken effect on the server (anything but a throttling answer).
func classify(ctx context.Context, err error) (retryable, maybeApplied bool) {
	if ctx.Err() != nil {
		return false, false
	}
	if throttles.IsErrorThrottle(err).Bool() {
		return true, false
	}
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) && sc.HTTPStatusCode() >= 500 {
		return true, true
	}
	if errors.Is(err, context.DeadlineExceeded) || retryables.IsErrorRetryable(err).Bool() {
		return true, true
	}
	return false, false
}

// budget returns ctx with the retry budget of the provider call it belongs to (package
// retry), a new one when it has none.
func (p *Provider) budget(ctx context.Context) (context.Context, *retry.Budget) {
	return retry.Ensure(ctx, func() *retry.Budget { return retry.New(p.cfg.MaxAttempts-1, p.cfg.RetryBudget, nil) })
}

// call runs one API request with the rate limiter, a per-attempt timeout, retries with
// backoff from the call's budget, and panic recovery.
func (p *Provider) call(ctx context.Context, op string, fn func(context.Context) error) error {
	err, _ := p.callAmbiguous(ctx, op, false, fn)
	return err
}

// callAmbiguous is call that also reports whether an earlier failed attempt might have taken
// effect (it timed out, the connection dropped, or the server answered 5xx). With detach, an
// attempt under way is not abandoned when ctx ends (only RequestTimeout bounds it), so that
// the outcome of a write is known; no new attempt starts after ctx ends.
func (p *Provider) callAmbiguous(ctx context.Context, op string, detach bool, fn func(context.Context) error) (error, bool) {
	ctx, budget := p.budget(ctx)
	ambiguous := false
	for attempt := 1; ; attempt++ {
		if err := p.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("route53 %s: %w", op, waitErr(ctx, err)), ambiguous
		}
		actx := ctx
		if detach {
			actx = context.WithoutCancel(ctx)
		}
		err := p.attempt(actx, fn)
		if err == nil {
			return nil, ambiguous
		}
		if ctx.Err() != nil {
			// The request may have reached the server before the caller gave up.
			return fmt.Errorf("route53 %s: %w (last error: %v)", op, ctx.Err(), err), true
		}
		retryable, maybe := classify(ctx, err)
		if !retryable {
			return fmt.Errorf("route53 %s: %w", op, err), ambiguous
		}
		ambiguous = ambiguous || maybe
		d := p.backoff(attempt)
		if berr := budget.Take(d); berr != nil {
			// The only retry layer for Route 53: callers must not retry this again.
			return provider.MarkGaveUp(fmt.Errorf("route53 %s: giving up after %d attempts (%v): %w", op, attempt, berr, err)), ambiguous
		}
		p.log.DebugContext(ctx, "route53: retrying", "op", op, "attempt", attempt, "wait", d, "error", err.Error())
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("route53 %s: %w (last error: %v)", op, ctx.Err(), err), ambiguous
		case <-t.C:
		}
	}
}

func waitErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// attempt runs fn once with the per-attempt timeout; a panic becomes an error.
func (p *Provider) attempt(ctx context.Context, fn func(context.Context) error) (err error) {
	defer recovered(&err, p.log.Error)
	actx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
	defer cancel()
	return fn(actx)
}

// backoff is exponential with full jitter: uniform in [base/2, min(max, base*2^(n-1))].
func (p *Provider) backoff(attempt int) time.Duration {
	d := p.cfg.RetryBase << min(attempt-1, 20)
	if d > p.cfg.RetryMax || d <= 0 {
		d = p.cfg.RetryMax
	}
	lo := p.cfg.RetryBase / 2
	if d <= lo {
		return d
	}
	return lo + rand.N(d-lo)
}
