package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/twinzone/twinzone/pkg/provider"
)

// RetryPolicy bounds retries of transient provider errors for one target's sync: Attempts-1
// retries in all, shared by its reads and apply rounds, waiting Base, 2*Base, 4*Base ...
// (capped at Max) with full jitter in between. The zero value means DefaultRetry.
//
// This is the retry layer only for providers that have none of their own (rfc2136, the libdns
// adapter, zonefile), which return provider.ErrTransient. Cloudflare and Route 53 retry inside
// their adapter within one budget per call and return provider.ErrGaveUp, which is never
// retried here (package provider/retry).
type RetryPolicy struct {
	Attempts  int
	Base, Max time.Duration
}

// DefaultRetry is used for a zero RetryPolicy.
var DefaultRetry = RetryPolicy{Attempts: 5, Base: 500 * time.Millisecond, Max: 10 * time.Second}

func (r RetryPolicy) norm() RetryPolicy {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetry.Attempts
	}
	if r.Base <= 0 {
		r.Base = DefaultRetry.Base
	}
	if r.Max <= 0 {
		r.Max = max(DefaultRetry.Max, r.Base)
	}
	return r
}

// delay is the wait before retry number n (n >= 1): a random duration in [d/2, d] where
// d = min(Max, Base * 2^(n-1)).
func (r RetryPolicy) delay(n int) time.Duration {
	d := r.Base
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// transient reports whether err is worth retrying: marked transient, and not given up on by
// the provider's own retry layer.
func transient(err error) bool {
	return errors.Is(err, provider.ErrTransient) && !errors.Is(err, provider.ErrGaveUp)
}

// backoff takes one retry from the target's budget after err and waits for it. It returns
// nil when the caller may try again, else err (joined with why waiting stopped).
func (r *run) backoff(ctx context.Context, what string, err error) error {
	if !transient(err) || ctx.Err() != nil {
		return err
	}
	p := r.s.Retry.norm()
	if r.retries+1 >= p.Attempts {
		return err
	}
	r.retries++
	d := p.delay(r.retries)
	r.log.Debug("transient error, retrying", "op", what, "retry", r.retries, "wait", d, "err", err)
	if serr := sleep(ctx, d); serr != nil {
		return errors.Join(err, serr)
	}
	return nil
}

// retry calls f until it succeeds, fails with an error not worth retrying, or the target's
// retry budget is spent.
func (r *run) retry(ctx context.Context, what string, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		if err := r.backoff(ctx, what, err); err != nil {
			return err
		}
	}
}
