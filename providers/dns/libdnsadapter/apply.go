package libdnsadapter

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// item is the libdns records of one RRset to set or delete.
type item struct {
	key  zone.Key
	recs []libdns.Record
}

// Apply deletes the RRsets of Delete changes (DeleteRecords, exact old records), then sets
// the RRsets of Create and Update changes (SetRecords, every record of the new RRset). Every
// change is converted before the first call, so a change libdns cannot express fails Apply
// with nothing written. On a failed call the earlier calls stay applied; what the failed
// call itself left depends on the wrapped provider (see the package doc).
func (a *Provider) Apply(ctx context.Context, z string, changes []plan.Change) error {
	z = canonZone(z)
	if len(changes) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: apply to %s: %w", a.opts.Name, z, err)
	}
	var dels, sets, apexNS []item
	for _, c := range changes {
		switch c.Action {
		case plan.Delete:
			if c.Old == nil {
				return fmt.Errorf("%s: apply to %s: delete %s without the old RRset", a.opts.Name, z, c.Key())
			}
			recs, err := a.oldRecords(z, *c.Old)
			if err != nil {
				return fmt.Errorf("%s: apply to %s: delete %s: %w", a.opts.Name, z, c.Key(), err)
			}
			dels = append(dels, item{c.Old.Key(), recs})
		case plan.Create, plan.Update:
			if c.New == nil {
				return fmt.Errorf("%s: apply to %s: %s %s without the new RRset", a.opts.Name, z, c.Action, c.Key())
			}
			if len(c.New.Values) == 0 {
				return fmt.Errorf("%s: apply to %s: %s %s with no values", a.opts.Name, z, c.Action, c.Key())
			}
			recs, err := fromRRset(z, *c.New)
			if err != nil {
				return fmt.Errorf("%s: apply to %s: %s %s: %w", a.opts.Name, z, c.Action, c.Key(), err)
			}
			sets = append(sets, item{c.New.Key(), recs})
			if c.Action == plan.Update && c.Old != nil && c.New.Type == dns.TypeNS && c.New.Name == z {
				gone, err := a.removedApexNS(z, *c.Old, *c.New)
				if err != nil {
					return fmt.Errorf("%s: apply to %s: update %s: %w", a.opts.Name, z, c.Key(), err)
				}
				if len(gone) > 0 {
					apexNS = append(apexNS, item{c.New.Key(), gone})
				}
			}
		default:
			return fmt.Errorf("%s: apply to %s: unknown action %v for %s", a.opts.Name, z, c.Action, c.Key())
		}
	}
	defer a.forget(z, dels, sets, apexNS)
	for _, batch := range a.batches(dels) {
		err := a.run(ctx, z, "DeleteRecords", batch, func(recs []libdns.Record) error {
			_, err := a.p.DeleteRecords(ctx, z, recs)
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, batch := range a.batches(sets) {
		err := a.run(ctx, z, "SetRecords", batch, func(recs []libdns.Record) error {
			_, err := a.p.SetRecords(ctx, z, recs)
			return err
		})
		if err != nil {
			return err
		}
	}
	// Servers ignore a request to delete the apex NS RRset (RFC 2136 3.4.2.4), which is how
	// some providers' SetRecords replaces an RRset: delete the names that left it one by one,
	// after the new ones are in, so the zone never lacks NS records.
	for _, batch := range a.batches(apexNS) {
		err := a.run(ctx, z, "DeleteRecords", batch, func(recs []libdns.Record) error {
			_, err := a.p.DeleteRecords(ctx, z, recs)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// removedApexNS returns the records of the apex NS values in old but not in new.
func (a *Provider) removedApexNS(z string, old, new zone.RRset) ([]libdns.Record, error) {
	gone := old
	gone.Values = nil
	for _, v := range old.Values {
		if !slices.Contains(new.Values, v) {
			gone.Values = append(gone.Values, v)
		}
	}
	if len(gone.Values) == 0 {
		return nil, nil
	}
	return a.oldRecords(z, gone)
}

// oldRecords returns the records to delete for old: those the provider reported in the last
// Records call when every value is there (they may carry provider data such as IDs), else
// records built from old.
func (a *Provider) oldRecords(z string, old zone.RRset) ([]libdns.Record, error) {
	recs := make([]libdns.Record, 0, len(old.Values))
	a.mu.Lock()
	seen := a.seen[z][old.Key()]
	for _, v := range old.Values {
		r, ok := seen[recordKey{old.TTL, v}]
		if !ok {
			break
		}
		recs = append(recs, r)
	}
	a.mu.Unlock()
	if len(recs) == len(old.Values) {
		return recs, nil
	}
	return fromRRset(z, old)
}

// forget drops what the last Records call saw of the RRsets Apply touched: those records may
// be gone or replaced, and a later delete must not send them.
func (a *Provider) forget(z string, lists ...[]item) {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := a.seen[z]
	for _, l := range lists {
		for _, it := range l {
			delete(seen, it.key)
		}
	}
}

// batches groups items into calls of at most MaxRecordsPerCall records, keeping each RRset
// whole.
func (a *Provider) batches(items []item) [][]item {
	if len(items) == 0 {
		return nil
	}
	limit := a.opts.MaxRecordsPerCall
	if limit == 0 {
		return [][]item{items}
	}
	var out [][]item
	start, n := 0, 0
	for i, it := range items {
		if n > 0 && n+len(it.recs) > limit {
			out = append(out, items[start:i])
			start, n = i, 0
		}
		n += len(it.recs)
	}
	return append(out, items[start:])
}

// run makes one call with the records of batch; errors name the RRsets of the call.
func (a *Provider) run(ctx context.Context, z, what string, batch []item, f func([]libdns.Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: apply to %s: %s of %s not started: %w", a.opts.Name, z, what, names(batch), err)
	}
	var recs []libdns.Record
	for _, it := range batch {
		recs = append(recs, it.recs...)
	}
	a.log.Debug("libdns call", "provider", a.opts.Name, "zone", z, "call", what, "rrsets", len(batch), "records", len(recs))
	if err := a.call(ctx, what, func() error { return f(recs) }); err != nil {
		return fmt.Errorf("%s: apply to %s: %s of %s: %w", a.opts.Name, z, what, names(batch), err)
	}
	return nil
}

// names lists the RRsets of a batch, the first few by name.
func names(batch []item) string {
	const show = 3
	var b strings.Builder
	for i, it := range batch {
		if i == show {
			fmt.Fprintf(&b, " and %d more RRsets", len(batch)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.key.String())
	}
	return b.String()
}
