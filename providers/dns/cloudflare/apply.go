package cloudflare

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// maxRounds bounds how often Apply re-reads the zone after a write whose outcome was unknown;
// each re-read round also takes one retry from the call's budget.
const maxRounds = 3

// group is the work for one RRset change: the exact record IDs to delete, records patched in
// place (a TTL, or a value that replaces an old one), and new records.
type group struct {
	key     zone.Key
	deletes []string
	patches []record // ID + what changes
	posts   []record
}

func (g group) size() int { return len(g.deletes) + len(g.patches) + len(g.posts) }

type batchBody struct {
	Deletes []record `json:"deletes,omitempty"`
	Patches []record `json:"patches,omitempty"`
	Posts   []record `json:"posts,omitempty"`
}

func (b batchBody) size() int { return len(b.Deletes) + len(b.Patches) + len(b.Posts) }

// Apply replaces the changed RRsets. Each RRset's operations go into one batch request (a
// transaction), batches filled up to BatchSize. After a write whose outcome is unknown
// (dropped connection, timeout, 5xx) it re-reads the zone and recomputes what is left, at
// most maxRounds times, so retries never duplicate or lose records. Requests and rounds share
// one retry budget (Config.Retries, RetryBudget). A failed Apply returns a
// *provider.PartialError naming the changes whose requests all succeeded (or, after a
// re-read, that the zone holds); a request cut off is not counted, and its error says so.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) (err error) {
	defer recoverErr(&err)
	ctx, budget := p.c.budget(ctx)
	origin = strings.ToLower(dns.Fqdn(origin))
	if err := checkChanges(origin, p.cfg.MinTTL, changes); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	// done: the changes the zone holds as asked, for a provider.PartialError: those whose
	// groups were sent whole, and after a re-read those that need nothing more.
	done := map[zone.Key]bool{}
	partial := func(err error) error {
		var out []plan.Change
		for _, ch := range changes {
			if done[ch.Key()] {
				out = append(out, ch)
			}
		}
		return provider.Partial(out, err)
	}
	for round := 1; ; round++ {
		z, cur, err := p.current(ctx, origin)
		if err != nil {
			return partial(err)
		}
		groups, err := p.groups(changes, cur)
		if err != nil {
			return partial(err)
		}
		if round > 1 {
			clear(done)
			need := map[zone.Key]bool{}
			for _, g := range groups {
				need[g.key] = true
			}
			for _, ch := range changes {
				done[ch.Key()] = !need[ch.Key()]
			}
		}
		if len(groups) == 0 {
			return nil
		}
		err = p.send(ctx, z, origin, groups, func(k zone.Key) { done[k] = true })
		if err == nil {
			return nil
		}
		if !errors.Is(err, errAmbiguous) || errors.Is(err, provider.ErrGaveUp) || round >= maxRounds || ctx.Err() != nil {
			return partial(err)
		}
		if berr := budget.Take(0); berr != nil {
			return partial(provider.MarkGaveUp(fmt.Errorf("%w (%v)", err, berr)))
		}
		p.cfg.Logger.WarnContext(ctx, "cloudflare: a write's outcome is unknown; re-reading the zone", "zone", origin, "round", round, "error", err)
	}
}

// checkChanges refuses, before any request, changes this adapter cannot make.
func checkChanges(origin string, minTTL uint32, changes []plan.Change) error {
	for _, ch := range changes {
		if ch.Old == nil && ch.New == nil {
			return errors.New("cloudflare: a change without old or new RRset")
		}
		k := ch.Key()
		switch {
		case k.Name != origin && !strings.HasSuffix(k.Name, "."+origin):
			return fmt.Errorf("cloudflare: %s is outside zone %s", k, origin)
		case !supported[k.Type]:
			return fmt.Errorf("cloudflare: %s: type not supported by Cloudflare", k)
		case k.Type == dns.TypeNS && k.Name == origin:
			return fmt.Errorf("cloudflare: %s: apex NS records are Cloudflare's own and not managed", k)
		}
		if ch.New == nil {
			continue
		}
		if ttl := ch.New.TTL; ttl != 1 && (ttl < minTTL || ttl > 86400) {
			return fmt.Errorf("cloudflare: %s: TTL %d outside Cloudflare's range (1 = automatic, %d..86400)", k, ttl, minTTL)
		}
		if k.Type == dns.TypeCNAME && len(ch.New.Values) > 1 {
			return fmt.Errorf("cloudflare: %s: a CNAME RRset holds one value, not %d", k, len(ch.New.Values))
		}
		for _, v := range ch.New.Values {
			if _, err := toRecord(k.Name, k.Type, ch.New.TTL, v); err != nil {
				return fmt.Errorf("cloudflare: %s: value %q: %w", k, v, err)
			}
		}
	}
	return nil
}

// groups computes, against the current records, what each change still needs.
func (p *Provider) groups(changes []plan.Change, cur *current) ([]group, error) {
	var out []group
	for _, ch := range changes {
		k := ch.Key()
		if why, ok := cur.readOnly[k]; ok {
			return nil, fmt.Errorf("cloudflare: %s: %s; not changed", k, why)
		}
		old := cur.sets[k]
		want := map[string]bool{}
		var ttl uint32
		if ch.New != nil {
			ttl = ch.New.TTL
			for _, v := range ch.New.Values {
				want[v] = true
			}
		}
		proxied, configured := p.wantProxied(k, old)
		g := group{key: k}
		kept := map[string]bool{}
		for _, r := range old {
			if want[r.value] && !kept[r.value] {
				kept[r.value] = true
				switch {
				case configured && isProxied(r.r) != proxied:
					// The config turns the proxy on or off: patched in place.
					patch := record{ID: r.r.ID, Proxied: &proxied, TTL: int(ttl)}
					if proxied {
						patch.TTL = 1
					}
					g.patches = append(g.patches, patch)
				case uint32(r.r.TTL) != ttl && !isProxied(r.r):
					g.patches = append(g.patches, record{ID: r.r.ID, TTL: int(ttl)})
				}
				continue
			}
			g.deletes = append(g.deletes, r.r.ID)
		}
		if ch.New != nil {
			for _, v := range ch.New.Values {
				if kept[v] {
					continue
				}
				rec, err := toRecord(k.Name, k.Type, ttl, v)
				if err != nil {
					return nil, fmt.Errorf("cloudflare: %s: value %q: %w", k, v, err)
				}
				switch {
				case proxied:
					t := true
					rec.Proxied, rec.TTL = &t, 1
				case configured:
					f := false
					rec.Proxied = &f
				}
				if len(g.deletes) > 0 {
					// A changed value patches an old record in place, so that what was set on
					// it outside twinzone (comment, tags) survives; a patch keeps the fields
					// it does not name.
					rec.ID, g.deletes = g.deletes[0], g.deletes[1:]
					g.patches = append(g.patches, rec)
					continue
				}
				g.posts = append(g.posts, rec)
			}
		}
		if g.size() > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// send applies groups, calling whole with the key of each group once all its operations
// succeeded.
func (p *Provider) send(ctx context.Context, z zoneInfo, origin string, groups []group, whole func(zone.Key)) error {
	if !p.st.noBatch.Load() {
		err := p.sendBatches(ctx, z, groups, whole)
		if !batchRefused(err) {
			return err
		}
		var ae *apiError
		errors.As(err, &ae)
		p.st.noBatch.Store(true)
		p.cfg.Logger.WarnContext(ctx, "cloudflare: batch endpoint refused; falling back to one request per record", "zone", origin, "status", ae.Status)
	}
	return p.sendSingle(ctx, z, origin, groups, whole)
}

// batchRefused reports whether err says the batch endpoint itself is unavailable (404 or
// 403 about the endpoint, not about a record in it, and not after an ambiguous attempt).
func batchRefused(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) || errors.Is(err, errAmbiguous) || !strings.HasSuffix(ae.Path, "/batch") {
		return false
	}
	if ae.Status != http.StatusNotFound && ae.Status != http.StatusForbidden {
		return false
	}
	for _, m := range ae.Errors {
		if m.Code >= 81000 && m.Code < 82000 { // DNS record errors
			return false
		}
	}
	return true
}

// deletesFirst orders RRsets that only shrink or go before those that get new records, so
// that a CNAME can take the place of other data at a name (and the other way round) even
// when the changes fall into different requests.
func deletesFirst(groups []group) []group {
	groups = slices.Clone(groups)
	slices.SortStableFunc(groups, func(a, b group) int {
		return cmp.Compare(min(len(a.posts), 1), min(len(b.posts), 1))
	})
	return groups
}

// sendBatches packs whole groups into batches of at most BatchSize operations.
func (p *Provider) sendBatches(ctx context.Context, z zoneInfo, groups []group, whole func(zone.Key)) error {
	groups = deletesFirst(groups)
	limit := p.cfg.BatchSize
	var b batchBody
	var keys []zone.Key
	var ends []zone.Key // groups whose last operation is in b
	flush := func() error {
		if b.size() == 0 {
			return nil
		}
		err := p.postBatch(ctx, z, b, keys)
		if err == nil {
			for _, k := range ends {
				whole(k)
			}
		}
		b, keys, ends = batchBody{}, nil, nil
		return err
	}
	for _, g := range groups {
		if g.size() > limit {
			// Larger than one batch: new values and TTLs first, surplus records last, so the
			// RRset is never empty in between.
			if err := flush(); err != nil {
				return err
			}
			for _, r := range g.patches {
				b.Patches = append(b.Patches, r)
				if err := p.flushIfFull(&b, &keys, g.key, limit, flush); err != nil {
					return err
				}
			}
			for _, r := range g.posts {
				b.Posts = append(b.Posts, r)
				if err := p.flushIfFull(&b, &keys, g.key, limit, flush); err != nil {
					return err
				}
			}
			if err := flush(); err != nil {
				return err
			}
			for _, id := range g.deletes {
				b.Deletes = append(b.Deletes, record{ID: id})
				if err := p.flushIfFull(&b, &keys, g.key, limit, flush); err != nil {
					return err
				}
			}
			keys, ends = append(keys, g.key), append(ends, g.key)
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		if b.size()+g.size() > limit {
			if err := flush(); err != nil {
				return err
			}
		}
		for _, id := range g.deletes {
			b.Deletes = append(b.Deletes, record{ID: id})
		}
		b.Patches = append(b.Patches, g.patches...)
		b.Posts = append(b.Posts, g.posts...)
		keys, ends = append(keys, g.key), append(ends, g.key)
	}
	return flush()
}

func (p *Provider) flushIfFull(b *batchBody, keys *[]zone.Key, k zone.Key, limit int, flush func() error) error {
	if b.size() < limit {
		return nil
	}
	*keys = append(*keys, k)
	return flush()
}

func (p *Provider) postBatch(ctx context.Context, z zoneInfo, b batchBody, keys []zone.Key) error {
	start := time.Now()
	_, err := p.c.do(ctx, http.MethodPost, "/zones/"+url.PathEscape(z.ID)+"/dns_records/batch", nil, b, nil)
	if err != nil {
		return fmt.Errorf("cloudflare: batch of %d operations for %s: %w", b.size(), describeKeys(keys), err)
	}
	p.cfg.Logger.DebugContext(ctx, "cloudflare: batch applied", "zone", z.Name, "operations", b.size(), "rrsets", len(keys), "took", time.Since(start))
	return nil
}

func describeKeys(keys []zone.Key) string {
	if len(keys) == 0 {
		return "no RRset"
	}
	s := keys[0].String()
	if len(keys) > 1 {
		s += fmt.Sprintf(" and %d more RRsets", len(keys)-1)
	}
	return s
}

// libdnsTypes are created through libdns/cloudflare's AppendRecords in single-call mode: it
// converts them correctly (MX is not among them: it omits a preference of 0).
var libdnsTypes = map[uint16]bool{dns.TypeA: true, dns.TypeAAAA: true, dns.TypeCNAME: true, dns.TypeNS: true}
