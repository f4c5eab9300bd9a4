package libdnsadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Libdns is what the adapter needs of a libdns provider.
type Libdns interface {
	libdns.RecordGetter
	libdns.RecordSetter
	libdns.RecordDeleter
}

// Options configure the adapter.
type Options struct {
	// Traits describe the wrapped provider's limits (types, TTL range, automatic TTL, apex
	// NS); the zero value claims it holds everything as given.
	Traits plan.Traits
	// MaxRecordsPerCall caps the records of one SetRecords or DeleteRecords call; 0 sends each
	// kind of change in one call. An RRset is never split across calls, so an RRset larger
	// than the cap goes alone.
	MaxRecordsPerCall int
	// Logger receives warnings (dropped records) and debug logs; nil discards.
	Logger *slog.Logger
	// Name names the provider in errors and logs; default "libdns".
	Name string
}

// Provider is a libdns provider seen as a twinzone provider.Provider.
type Provider struct {
	p    Libdns
	opts Options
	log  *slog.Logger

	// seen holds, per zone and RRset, the records the last Records call returned, so that
	// deletes send the provider's own records back. Apply forgets the RRsets it touches.
	mu   sync.Mutex
	seen map[string]map[zone.Key]map[recordKey]libdns.Record
}

// recordKey identifies one record of an RRset: its TTL and canonical value.
type recordKey struct {
	ttl   uint32
	value string
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
)

// New wraps p, which must implement libdns.RecordGetter, libdns.RecordSetter and
// libdns.RecordDeleter.
func New(p any, opts Options) (*Provider, error) {
	if p == nil {
		return nil, errors.New("libdnsadapter: provider is nil")
	}
	var missing []string
	if _, ok := p.(libdns.RecordGetter); !ok {
		missing = append(missing, "GetRecords (libdns.RecordGetter)")
	}
	if _, ok := p.(libdns.RecordSetter); !ok {
		missing = append(missing, "SetRecords (libdns.RecordSetter)")
	}
	if _, ok := p.(libdns.RecordDeleter); !ok {
		missing = append(missing, "DeleteRecords (libdns.RecordDeleter)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("libdnsadapter: %T does not implement %s", p, strings.Join(missing, ", "))
	}
	if opts.MaxRecordsPerCall < 0 {
		return nil, fmt.Errorf("libdnsadapter: MaxRecordsPerCall %d is negative", opts.MaxRecordsPerCall)
	}
	if opts.Name == "" {
		opts.Name = "libdns"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{p: p.(Libdns), opts: opts, log: log, seen: map[string]map[zone.Key]map[recordKey]libdns.Record{}}, nil
}

// Traits returns Options.Traits.
func (a *Provider) Traits() plan.Traits { return a.opts.Traits }

// String names the provider.
func (a *Provider) String() string { return a.opts.Name }

// Records returns the zone's RRsets as the wrapped provider's GetRecords reports them.
func (a *Provider) Records(ctx context.Context, z string) ([]zone.RRset, error) {
	z = canonZone(z)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: records of %s: %w", a.opts.Name, z, err)
	}
	var recs []libdns.Record
	err := a.call(ctx, "GetRecords", func() (err error) {
		recs, err = a.p.GetRecords(ctx, z)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: records of %s: %w", a.opts.Name, z, err)
	}
	sets := map[zone.Key]*zone.RRset{}
	seen := make(map[zone.Key]map[recordKey]libdns.Record, len(recs))
	for _, rec := range recs {
		if rec == nil {
			continue
		}
		r, err := safeRR(rec)
		if err != nil {
			a.log.Warn("libdns record dropped", "provider", a.opts.Name, "zone", z, "err", err)
			continue
		}
		rr, err := toDNS(z, r)
		if err != nil {
			a.log.Warn("libdns record dropped: data does not parse", "provider", a.opts.Name, "zone", z, "err", err)
			continue
		}
		k, ttl, v := zone.FromRR(rr)
		if k.Name != z && !strings.HasSuffix(k.Name, "."+z) {
			a.log.Warn("libdns record outside the zone dropped", "provider", a.opts.Name, "zone", z, "name", k.Name)
			continue
		}
		s, ok := sets[k]
		if !ok {
			s = &zone.RRset{Name: k.Name, Type: k.Type, TTL: ttl}
			sets[k] = s
			seen[k] = map[recordKey]libdns.Record{}
		}
		seen[k][recordKey{ttl, v}] = rec
		if ttl != s.TTL {
			a.log.Warn("RRset with differing TTLs; using the lowest", "provider", a.opts.Name, "rrset", k.String(), "ttls", []uint32{s.TTL, ttl})
			s.TTL = min(s.TTL, ttl)
		}
		s.Values = append(s.Values, v)
	}
	out := make([]zone.RRset, 0, len(sets))
	for _, s := range sets {
		out = append(out, *s)
	}
	zone.Sort(out) // sorts values and drops duplicates (SOA twice from AXFR-based providers)
	a.mu.Lock()
	a.seen[z] = seen
	a.mu.Unlock()
	return out, nil
}

// safeRR calls rec.RR(), recovering a panic in the provider's record type.
func safeRR(rec libdns.Record) (r libdns.RR, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%T.RR() panicked: %v", rec, v)
		}
	}()
	return rec.RR(), nil
}

// call runs one call into the wrapped provider, turning a panic into an error and marking
// network timeouts transient.
func (a *Provider) call(ctx context.Context, what string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			a.log.Debug("libdns provider panicked", "provider", a.opts.Name, "call", what, "stack", string(debug.Stack()))
			err = fmt.Errorf("%s panicked: %v", what, v)
		}
	}()
	if err := f(); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			return fmt.Errorf("%s: %w (%w)", what, ctx.Err(), err)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return provider.MarkTransient(fmt.Errorf("%s: %w", what, err))
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func canonZone(z string) string { return strings.ToLower(dns.Fqdn(z)) }
