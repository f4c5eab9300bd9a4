package registrar

import "errors"

// ErrManual marks the error of a registrar that cannot change the delegation itself (the
// `manual` registrar): it wrote the steps for a human instead. Callers must not retry it.
var ErrManual = errors.New("manual registrar: a human must make this change")

// ErrUnsupported marks an operation a registrar adapter does not offer (e.g. `exec` cannot
// read the NS set); callers fall back to reading the delegation from the parent's servers.
var ErrUnsupported = errors.New("registrar: operation not supported")
