package registrar

import "errors"

// ErrManual marks the error of a registrar that cannot change the delegation itself (the
// `manual` registrar): it wrote the steps for a human instead. Callers must not retry it.
var ErrManual = errors.New("manual registrar: a human must make this change")

// ErrUnsupported marks an operation a registrar adapter does not offer (e.g. `exec` cannot
// read the NS set); callers fall back to reading the delegation from the parent's servers.
var ErrUnsupported = errors.New("registrar: operation not supported")

// ErrPermanent marks an error that another attempt cannot fix: refused credentials (HTTP
// 401/403, Namecheap's IP allow-list), an unknown domain, a request the registrar rejects as
// invalid. A caller that retries (pkg/failover's Runner) stops at the first permanent error;
// check with IsPermanent or errors.Is. Adapters mark errors with MarkPermanent; an error
// marked neither permanent nor transient (provider.ErrTransient) is the caller's call.
var ErrPermanent = errors.New("permanent registrar error")

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// MarkPermanent marks err as not worth retrying; nil stays nil.
func MarkPermanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err must not be retried: marked with MarkPermanent, or
// ErrManual (a human has to act).
func IsPermanent(err error) bool {
	return errors.Is(err, ErrPermanent) || errors.Is(err, ErrManual)
}
