// Package registrar defines what twinzone needs of the place that holds a domain's delegation:
// read its NS set and replace it. Adapters live in providers/registrar/<name>.
package registrar

import (
	"context"
	"io"
	"net/netip"

	"github.com/twinzone/twinzone/pkg/nameserver"
)

// Registrar reads and sets the NS set of a delegated domain. It is not a DNS provider.
//
// Contract: domain is absolute, lower-case ("example.com."). Nameservers returns the names the
// registrar holds (absolute, lower-case, sorted). SetNameservers replaces the whole set; glue
// (addresses) is sent for in-bailiwick names where the registrar supports it. It returns once
// the registrar accepted the change; registrars that work asynchronously also implement Waiter.
// Both honour ctx, are safe for concurrent use, and never put credentials in errors.
type Registrar interface {
	Nameservers(ctx context.Context, domain string) ([]string, error)
	SetNameservers(ctx context.Context, domain string, set nameserver.Set) (Operation, error)
}

// Operation identifies an accepted change; empty for registrars that apply synchronously.
type Operation struct {
	ID string
}

// Waiter is implemented by asynchronous registrars: Wait blocks until the operation succeeded,
// failed (error) or ctx ends.
type Waiter interface {
	Wait(ctx context.Context, domain string, op Operation) error
}

// GlueLimiter is an optional capability: a registrar that sends only some of a nameserver's
// addresses as glue says which, so that `check` reports it before a failover depends on it.
// Glue returns the addresses SetNameservers would send for ns (nil for a name outside domain)
// and those it would leave out.
type GlueLimiter interface {
	Glue(domain string, ns nameserver.Nameserver) (sent, dropped []netip.Addr)
}

// OpenOptions are what some adapters need beyond their settings when the table in
// providers/registrar opens them.
type OpenOptions struct {
	// Name is the registrar's name in the config (manual prints it).
	Name string
	// Reader returns the NS set the parent publishes for a domain (absolute names). The
	// `exec` and `manual` registrars cannot read the delegation themselves and use it for
	// Nameservers; nil makes their Nameservers return ErrUnsupported.
	Reader func(ctx context.Context, domain string) ([]string, error)
	// Out is where the `manual` registrar writes its steps; nil means os.Stderr.
	Out io.Writer
}
