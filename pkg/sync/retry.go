package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/twinzone/twinzone/pkg/provider"
)

// RetryPolicy bounds retries of transient provider errors: at most Attempts tries in all,
// waiting Base, 2*Base, 4*Base ... (capped at Max) with full jitter in between.
// The zero value means DefaultRetry.
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

// transient reports whether err is worth retrying.
func transient(err error) bool { return errors.Is(err, provider.ErrTransient) }

// retry calls f until it succeeds, fails with a non-transient error, the attempts are spent or
// ctx is done.
func (s *Syncer) retry(ctx context.Context, what string, f func() error) error {
	r := s.Retry.norm()
	var err error
	for n := 1; ; n++ {
		if err = f(); err == nil || !transient(err) || n >= r.Attempts || ctx.Err() != nil {
			return err
		}
		d := r.delay(n)
		s.logger().Debug("transient error, retrying", "op", what, "attempt", n, "wait", d, "err", err)
		if serr := sleep(ctx, d); serr != nil {
			return errors.Join(err, serr)
		}
	}
}
