// Package axfr is a verify-only twinzone provider: a secondary that twinzone does not write
// but reads by AXFR (with TSIG) and probes, fed by NOTIFY and zone transfer from the zone's
// primary (or a hidden primary the primary provider is). Many providers sell only secondary
// service; this is how twinzone uses one as the zone's second provider.
//
// The adapter is provider.ReadOnly: pkg/sync never writes it, and after writing the primary
// waits (TransferTimeout) until the secondary serves the same records and the new sync stamp,
// which arrive by zone transfer. Reading reuses the rfc2136 adapter's AXFR client.
package axfr

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
)

// Config configures a Provider.
type Config struct {
	// Server is the secondary's address, "host:port" (port 53 when omitted).
	Server string
	// KeyName, KeyAlg and Key are the TSIG key the secondary allows transfers with; all empty
	// means unsigned requests.
	KeyName, KeyAlg, Key string
	// TransferTimeout bounds a sync's wait for the secondary; 0 means DefaultTransferTimeout.
	TransferTimeout time.Duration
	// Timeout bounds each network exchange; 0 means 10 s.
	Timeout time.Duration
	// Logger receives debug logs; nil discards.
	Logger *slog.Logger
}

// Provider reads one secondary's zones. It is safe for concurrent use.
type Provider struct {
	reader  *rfc2136.Provider
	server  string
	timeout time.Duration
}

var (
	_ provider.Provider = (*Provider)(nil)
	_ provider.ReadOnly = (*Provider)(nil)
)

// New checks cfg and returns a Provider. It does not contact the server.
func New(cfg Config) (*Provider, error) {
	if cfg.Server == "" {
		return nil, fmt.Errorf("axfr: server is required")
	}
	r, err := rfc2136.New(rfc2136.Config{Server: cfg.Server, KeyName: cfg.KeyName, KeyAlg: cfg.KeyAlg, Key: cfg.Key,
		Timeout: cfg.Timeout, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("axfr: %w", err)
	}
	p := &Provider{reader: r, server: cfg.Server, timeout: cfg.TransferTimeout}
	if p.timeout <= 0 {
		p.timeout = DefaultTransferTimeout
	}
	return p, nil
}

// Records transfers the zone from the secondary (AXFR) and returns its RRsets in canonical
// form, SOA and apex NS included.
func (p *Provider) Records(ctx context.Context, origin string) ([]zone.RRset, error) {
	sets, err := p.reader.Records(ctx, origin)
	if err != nil {
		return nil, fmt.Errorf("axfr: %w", err)
	}
	return sets, nil
}

// Apply refuses: the secondary gets its data by zone transfer, never from twinzone.
func (p *Provider) Apply(_ context.Context, origin string, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	return fmt.Errorf("axfr %s for %s: %w", p.server, origin, provider.ErrReadOnly)
}

// TransferTimeout is how long a sync waits for the secondary to serve what the primary got.
func (p *Provider) TransferTimeout() time.Duration { return p.timeout }

// String names the provider without secrets.
func (p *Provider) String() string { return "axfr(" + p.server + ")" }
