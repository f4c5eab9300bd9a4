// Package retry holds the retry budget of one provider call. twinzone retries a failed request
// in exactly one layer: the adapter that sends it (only it knows Retry-After, 429, Throttling or
// PriorRequestNotComplete), and only within one Budget per provider call (Records, Apply or
// Unmanaged) shared by every request and re-read round of that call. When the budget is spent
// the adapter returns an error marked provider.ErrGaveUp, which is not provider.ErrTransient,
// so no caller retries it again. Adapters without a retry layer of their own (rfc2136, the
// libdns adapter, zonefile) return provider.ErrTransient instead, and pkg/sync retries those.
package retry

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Budget is how many retries one provider call may still make, and until when. It is safe for
// concurrent use (one call's requests may run in parallel).
type Budget struct {
	mu       sync.Mutex
	retries  int // granted so far
	max      int
	deadline time.Time
	now      func() time.Time
}

// New returns a budget of at most retries retries in all, none of which may start later than
// total from now (total <= 0: no time limit). now is the clock; nil means time.Now.
func New(retries int, total time.Duration, now func() time.Time) *Budget {
	if now == nil {
		now = time.Now
	}
	b := &Budget{max: max(retries, 0), now: now}
	if total > 0 {
		b.deadline = now().Add(total)
	}
	return b
}

// Take asks for one retry that starts after waiting wait. It returns nil and counts the retry,
// or an error saying why the budget refuses it (nothing is counted then).
func (b *Budget) Take(wait time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.retries >= b.max {
		return fmt.Errorf("retry budget spent: %d retries for this call", b.max)
	}
	if !b.deadline.IsZero() && b.now().Add(wait).After(b.deadline) {
		return fmt.Errorf("retry budget spent: the next attempt (in %s) would start after the call's time budget", wait.Round(time.Millisecond))
	}
	b.retries++
	return nil
}

// Used is the number of retries granted so far.
func (b *Budget) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.retries
}

type ctxKey struct{}

// With returns ctx carrying b.
func With(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, ctxKey{}, b)
}

// From returns the budget ctx carries, or nil.
func From(ctx context.Context) *Budget {
	b, _ := ctx.Value(ctxKey{}).(*Budget)
	return b
}

// Ensure returns ctx and its budget, attaching a new one from mk when ctx has none: the
// outermost provider call makes the budget, and the calls and requests nested in it share it.
func Ensure(ctx context.Context, mk func() *Budget) (context.Context, *Budget) {
	if b := From(ctx); b != nil {
		return ctx, b
	}
	b := mk()
	return With(ctx, b), b
}
