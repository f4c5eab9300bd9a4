// Package provider defines what twinzone needs of a DNS provider: read the RRsets of a zone,
// and replace RRsets. Adapters live in providers/dns/<name>; any libdns provider fits through
// providers/dns/libdnsadapter.
package provider

import (
	"context"
	"errors"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Provider is one DNS host serving a zone.
//
// Contract:
//   - zone is absolute, lower-case, with a trailing dot ("example.com.").
//   - Records returns every RRset the provider serves for the zone in canonical form (see
//     zone.RRset), including SOA and apex NS; records the provider serves but cannot express
//     faithfully (for example Route 53 alias records) are reported through Unmanaged, never
//     silently dropped.
//   - Apply makes every change it is given. Each single change is atomic: an RRset is either
//     old or new, never missing or half-written. Apply may split changes into batches; on error
//     the changes already applied stay applied and the rest are untouched, so a fresh plan
//     converges. Errors name the RRset that failed and never contain credentials.
//   - An Apply that writes in several atomic steps (UPDATE messages, API batches) and fails
//     after some of them took effect returns a *PartialError listing the changes that did,
//     cancellation included. The step under way when the error came is not listed: rfc2136
//     waits for its reply (within its timeout) even after a cancel so that its outcome is
//     known; an HTTP adapter whose request was cut off says in the error that its outcome is
//     unknown. Any other error means nothing of the call took effect, as far as the adapter
//     can tell; an adapter that writes in one atomic step never returns a PartialError.
//   - Both methods honour ctx cancellation and deadlines, and are safe for concurrent use.
type Provider interface {
	Records(ctx context.Context, zone string) ([]zone.RRset, error)
	Apply(ctx context.Context, zone string, changes []plan.Change) error
}

// Traits describes what a provider can hold and how it normalises data, so that a plan made
// against it is empty after a sync. Providers that have limits implement Describer.
type Describer interface {
	Traits() plan.Traits
}

// Unmanaged is an optional capability: RRsets the provider serves that twinzone must neither
// overwrite nor delete (Route 53 alias records, Cloudflare-managed records), with the reason.
type Unmanaged interface {
	Unmanaged(ctx context.Context, zone string) ([]UnmanagedRRset, error)
}

// Validator is an optional capability: a provider that refuses some data (Route 53's RDATA
// and RRset limits, Cloudflare's TXT limits and record quota) checks a plan before anything
// is written, so that a plan it would refuse half-way is refused whole. Validate returns an
// error naming every record the provider would refuse (nil when it would take them all). It
// is called after planning and before the first write, for this provider only: a plan that
// one provider refuses never stops the other provider's sync. It may use what the provider
// learnt from its latest Records call for zone, and makes no writes.
type Validator interface {
	Validate(ctx context.Context, zone string, p *plan.Plan) error
}

// Shaper is an optional capability: a provider that serves some records otherwise than they
// are written (Cloudflare's proxied names, whose TTL its edge decides) returns the desired
// RRsets as it will serve them, so that a plan made after a sync is empty. Shape is called
// after Records, may use what that listing taught the provider, and must not modify desired.
type Shaper interface {
	Shape(zone string, desired []zone.RRset) []zone.RRset
}

// Delegated is an optional capability: a provider whose served data is the whole zone as
// written (a zone file a server loads) needs the zone's apex NS, which twinzone does not
// write unless manage_apex_ns, to serve a loadable zone. Whoever opens the provider for a
// zone calls SetApexNS with the provider's nameserver names for it (from the zone's config).
type Delegated interface {
	SetApexNS(zone string, names []string)
}

// ReadOnly is an optional capability: a verify-only provider, which twinzone reads (and
// probes) but never writes, such as a secondary fed by NOTIFY and zone transfer from the
// zone's primary. Plan shows what it serves against the desired zone; sync writes the
// zone's other provider and then waits, at most TransferTimeout, until the read-only one
// serves the same (the new sync stamp included), and fails when it does not. Its Apply
// returns ErrReadOnly and is never called by pkg/sync.
type ReadOnly interface {
	TransferTimeout() time.Duration
}

// PartialError is an Apply error after part of the changes took effect: Applied lists those
// (each whole, a subset of the changes given, in the order they were written); the others
// are untouched. Find it with errors.As, or use AppliedBefore.
type PartialError struct {
	Applied []plan.Change
	Err     error
}

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// Partial returns err as a *PartialError when applied is not empty, else err unchanged.
func Partial(applied []plan.Change, err error) error {
	if err == nil || len(applied) == 0 {
		return err
	}
	return &PartialError{Applied: applied, Err: err}
}

// AppliedBefore returns the changes an Apply error says took effect (nil for most errors).
func AppliedBefore(err error) []plan.Change {
	if pe, ok := errors.AsType[*PartialError](err); ok {
		return pe.Applied
	}
	return nil
}

// ErrReadOnly is returned by the Apply of a ReadOnly provider.
var ErrReadOnly = errors.New("verify-only provider: twinzone never writes it")

// UnmanagedRRset is an RRset twinzone leaves alone, and why.
type UnmanagedRRset struct {
	Key    zone.Key
	Reason string
}

// ErrTransient marks errors worth retrying (rate limits, 5xx, timeouts, dropped connections).
// Check with errors.Is; wrap with MarkTransient. Only adapters without a retry layer of their
// own return it (their caller, pkg/sync, retries); an adapter that retries itself returns
// ErrGaveUp instead once its budget is spent (see package retry).
var ErrTransient = errors.New("transient provider error")

type transientError struct{ err error }

func (e transientError) Error() string   { return e.err.Error() }
func (e transientError) Unwrap() []error { return []error{e.err, ErrTransient} }

// MarkTransient marks err as worth retrying.
func MarkTransient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// ErrGaveUp marks an error the provider's own retry layer gave up on (its budget for the call
// is spent). It is not ErrTransient: callers must not retry it again.
var ErrGaveUp = errors.New("provider gave up retrying")

type gaveUpError struct{ err error }

func (e gaveUpError) Error() string   { return e.err.Error() }
func (e gaveUpError) Unwrap() []error { return []error{e.err, ErrGaveUp} }

// MarkGaveUp marks err as given up on by the provider's retry layer. err itself must not be
// marked transient.
func MarkGaveUp(err error) error {
	if err == nil {
		return nil
	}
	return gaveUpError{err}
}
