package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// op is one change turned into update records: the RRset deletion and single records
// removed to be added again with a new TTL (both before all additions of the message), the
// new records, and deletions of single records (after all additions).
type op struct {
	key    zone.Key
	del    dns.RR
	pre    []dns.RR // single records removed before the additions (a record given a new TTL)
	add    []dns.RR
	post   []dns.RR
	count  int // records added or removed (the RRset deletion is not counted)
	bytes  int // uncompressed wire size
	delete bool
	part   bool        // one of several messages of an RRset too large for one
	old    *zone.RRset // the RRset the change replaces, if any
	size   int         // records of the RRset once changed
	idx    int         // index of the change in Apply's changes
}

// Apply sends the changes as UPDATE messages (TSIG-signed when a key is configured). Each
// change deletes its RRset and adds the new records in the same message, so each message is
// atomic on the server (the apex NS and SOA, which servers refuse to delete as a whole, are
// updated record by record; deleting them is an error). Messages are bounded by size (about
// 63 KiB, under the 64 KiB of a DNS message over TCP) and, when Config.Chunk is set, by the
// records they add or remove; all changes at one owner name share a message, deletions first,
// so a CNAME may replace other data. An RRset too large for one message (thousands of
// records) is changed in several: its new records are added first, then the old ones no
// longer wanted are removed, so no value is missing in between (a crash in between leaves old
// and new values together, which the next sync removes; a new TTL reaches the records message
// by message). On error, earlier messages stay
// applied, later ones are not sent, and the error names the chunk and its RRsets; it is a
// *provider.PartialError listing the changes whose messages all succeeded. A message being
// sent when ctx is cancelled is still awaited (at most twice the timeout), so that list is
// what the server holds. Network
// failures and SERVFAIL are transient (provider.ErrTransient), except a SERVFAIL for an
// RRset over BIND's max-records-per-type, which is permanent and says so.
func (p *Provider) Apply(ctx context.Context, origin string, changes []plan.Change) error {
	origin = strings.ToLower(dns.Fqdn(origin))
	if len(changes) == 0 {
		return nil
	}
	ops, err := buildOps(origin, changes)
	if err != nil {
		return err
	}
	chunks := p.chunkOps(ops)
	// left[i]: messages still to send for changes[i]; a change took effect once all of its
	// messages did (an RRset too large for one message spans several).
	left := make([]int, len(changes))
	for _, c := range chunks {
		for _, o := range c {
			left[o.idx]++
		}
	}
	var done []plan.Change
	for i, c := range chunks {
		if err := ctx.Err(); err != nil {
			return provider.Partial(done, fmt.Errorf("rfc2136: UPDATE %s at %s: %d of %d messages sent (%d of %d changes applied): %w",
				origin, p.server, i, len(chunks), len(done), len(changes), err))
		}
		// A message once started is seen through (its own timeout bounds it) even if ctx is
		// cancelled meanwhile: cut off, the server may or may not have applied it, and the
		// caller could not say what the zone holds.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*p.timeout)
		err := p.send(sctx, origin, c)
		cancel()
		if err != nil {
			return provider.Partial(done, fmt.Errorf("rfc2136: UPDATE %s at %s, message %d of %d (%s; earlier messages applied, %d of %d changes, later ones not sent): %w",
				origin, p.server, i+1, len(chunks), describe(c), len(done), len(changes), err))
		}
		for _, o := range c {
			if left[o.idx]--; left[o.idx] == 0 {
				done = append(done, changes[o.idx])
			}
		}
		p.log.Debug("rfc2136 update applied", "zone", origin, "server", p.server, "message", i+1, "of", len(chunks), "rrsets", len(c))
		if p.afterChunk != nil {
			p.afterChunk(i)
		}
	}
	return nil
}

func buildOps(origin string, changes []plan.Change) ([]op, error) {
	ops := make([]op, 0, len(changes))
	for i, ch := range changes {
		k := ch.Key()
		k.Name = strings.ToLower(dns.Fqdn(k.Name))
		if !dns.IsSubDomain(origin, k.Name) {
			return nil, fmt.Errorf("rfc2136: %s is outside zone %s", k, origin)
		}
		o, err := buildOp(origin, k, ch)
		if err != nil {
			return nil, err
		}
		o.idx = i
		ops = append(ops, o)
	}
	// Group by owner name, deletions first, so that changes at one name share a message.
	slices.SortStableFunc(ops, func(a, b op) int {
		if c := zone.CompareNames(a.key.Name, b.key.Name); c != 0 {
			return c
		}
		if a.delete != b.delete {
			if a.delete {
				return -1
			}
			return 1
		}
		return int(a.key.Type) - int(b.key.Type)
	})
	return ops, nil
}

// buildOp turns one change into update records. Servers ignore deleting the apex NS RRset
// and the SOA (RFC 2136 3.4.2.4), so the apex NS is updated by adding the new records and then
// deleting the old ones that are no longer wanted, one by one; the SOA is replaced by adding it.
func buildOp(origin string, k zone.Key, ch plan.Change) (op, error) {
	o := op{key: k, delete: ch.Action == plan.Delete || ch.New == nil, old: ch.Old}
	apex := k.Name == origin && (k.Type == dns.TypeNS || k.Type == dns.TypeSOA)
	if o.delete && apex {
		return o, fmt.Errorf("rfc2136: %s: servers do not delete the apex %s RRset", k, zone.TypeString(k.Type))
	}
	if !apex {
		o.del = &dns.ANY{Hdr: dns.RR_Header{Name: k.Name, Rrtype: k.Type, Class: dns.ClassANY}}
		o.bytes = dns.Len(o.del)
	}
	if o.delete {
		return o, nil
	}
	rrs, err := ch.New.RRs()
	if err != nil {
		return o, fmt.Errorf("rfc2136: %s: %w", k, err)
	}
	o.add, o.size = rrs, len(rrs)
	if apex && k.Type == dns.TypeNS && ch.Old != nil {
		keep := map[string]bool{}
		for _, v := range ch.New.Values {
			keep[v] = true
		}
		for _, v := range ch.Old.Values {
			if keep[v] {
				continue
			}
			rr, err := zone.NewRR(k.Name, 0, k.Type, v)
			if err != nil {
				return o, fmt.Errorf("rfc2136: %s: %w", k, err)
			}
			rr.Header().Class = dns.ClassNONE
			o.post = append(o.post, rr)
		}
	}
	for _, rr := range append(slices.Clip(o.add), o.post...) {
		o.bytes += dns.Len(rr)
		o.count++
	}
	return o, nil
}

// chunkOps splits ops into messages bounded by p.chunk records and maxMsgBytes, keeping each
// owner name's ops together; a name too large for one message goes alone (split per RRset if
// it must, each RRset whole unless it alone is too large: then see splitOp).
func (p *Provider) chunkOps(ops []op) [][]op {
	var out [][]op
	var cur []op
	n, size := 0, 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, n, size = nil, 0, 0
	}
	for i := 0; i < len(ops); {
		j := i + 1
		gn, gs := ops[i].count, ops[i].bytes
		for j < len(ops) && ops[j].key.Name == ops[i].key.Name {
			gn += ops[j].count
			gs += ops[j].bytes
			j++
		}
		group := ops[i:j]
		if len(cur) > 0 && (n+gn > p.chunk || size+gs > maxMsgBytes) {
			flush()
		}
		if gn > p.chunk || gs > maxMsgBytes {
			// Too big for one message: each RRset of this name whole, packed greedily.
			for _, o := range group {
				if o.count > p.chunk || o.bytes > maxMsgBytes {
					flush()
					for _, part := range p.splitOp(o) {
						out = append(out, []op{part})
					}
					continue
				}
				if len(cur) > 0 && (n+o.count > p.chunk || size+o.bytes > maxMsgBytes) {
					flush()
				}
				cur, n, size = append(cur, o), n+o.count, size+o.bytes
			}
			flush()
		} else {
			cur, n, size = append(cur, group...), n+gn, size+gs
		}
		i = j
	}
	flush()
	return out
}

// splitOp cuts the change of one RRset too large for a message into messages that first add
// the new records (servers merge an added record into the RRset and ignore one they hold
// already) and then remove the old records no longer wanted, one by one (class NONE). A new
// TTL is given to each kept record by removing and adding it in the same message (Knot keeps
// a record's TTL when the same record is added again). The RRset deletion is not sent: it
// would empty the RRset until the last message.
func (p *Provider) splitOp(o op) []op {
	ttl := uint32(0)
	if len(o.add) > 0 {
		ttl = o.add[0].Header().Ttl
	}
	had := map[string]dns.RR{} // old records, printed as their additions would be
	if o.old != nil && len(o.add) > 0 {
		for _, v := range o.old.Values {
			if rr, err := zone.NewRR(o.key.Name, ttl, o.key.Type, v); err == nil {
				had[rr.String()] = rr
			}
		}
	}
	retime := o.old != nil && o.old.TTL != ttl
	type step struct{ pre, add dns.RR } // one record replaced (pre, then add) or added
	var steps []step
	keep := map[string]bool{}
	for _, rr := range o.add {
		s := rr.String()
		keep[s] = true
		switch old, ok := had[s]; {
		case !ok:
			steps = append(steps, step{add: rr})
		case retime:
			del := dns.Copy(old)
			del.Header().Class, del.Header().Ttl = dns.ClassNONE, 0
			steps = append(steps, step{pre: del, add: rr})
		}
	}
	removals := o.post // the apex NS: buildOp listed the removals
	if o.post == nil {
		for s, rr := range had {
			if !keep[s] {
				del := dns.Copy(rr)
				del.Header().Class, del.Header().Ttl = dns.ClassNONE, 0
				removals = append(removals, del)
			}
		}
		slices.SortFunc(removals, func(a, b dns.RR) int { return strings.Compare(a.String(), b.String()) })
	}
	var parts []op
	cur := op{key: o.key, part: true, size: o.size, idx: o.idx}
	flush := func() {
		if cur.count > 0 {
			parts = append(parts, cur)
		}
		cur = op{key: o.key, part: true, size: o.size, idx: o.idx}
	}
	room := func(n, l int) {
		if cur.count > 0 && (cur.count+n > p.chunk || cur.bytes+l > maxMsgBytes) {
			flush()
		}
		cur.count += n
		cur.bytes += l
	}
	for _, st := range steps {
		if st.pre != nil {
			room(2, dns.Len(st.pre)+dns.Len(st.add))
			cur.pre = append(cur.pre, st.pre)
		} else {
			room(1, dns.Len(st.add))
		}
		cur.add = append(cur.add, st.add)
	}
	flush()
	for _, rr := range removals {
		room(1, dns.Len(rr))
		cur.post = append(cur.post, rr)
	}
	flush()
	return parts
}

// send delivers one UPDATE message over TCP and checks the reply.
func (p *Provider) send(ctx context.Context, origin string, ops []op) error {
	m := new(dns.Msg)
	m.SetUpdate(origin)
	for _, o := range ops {
		if o.del != nil {
			m.Ns = append(m.Ns, o.del)
		}
	}
	for _, o := range ops {
		m.Ns = append(m.Ns, o.pre...)
	}
	for _, o := range ops {
		m.Ns = append(m.Ns, o.add...)
	}
	for _, o := range ops {
		m.Ns = append(m.Ns, o.post...)
	}
	p.sign(m)
	conn, stop, err := p.dial(ctx)
	if err != nil {
		return netError(ctx, "connect", err)
	}
	defer stop()
	defer conn.Close()
	c := &dns.Client{Net: "tcp", Timeout: p.timeout, TsigSecret: p.secret}
	r, _, err := c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil && r != nil && r.Rcode != dns.RcodeSuccess && ctx.Err() == nil {
		// A reply whose signature did not verify (wrong key): its rcode says why.
		return fmt.Errorf("%w (%v)", rcodeError(r), err)
	}
	if err != nil {
		if strings.Contains(err.Error(), "message too large") || strings.Contains(err.Error(), "overflow") {
			return fmt.Errorf("message of %d records too large: %w", len(m.Ns), err)
		}
		return netError(ctx, "exchange", err)
	}
	if r.Rcode != dns.RcodeSuccess {
		if err := recordLimit(r, ops); err != nil {
			return err
		}
		return rcodeError(r)
	}
	return nil
}

// bindMaxRecords is BIND's default max-records-per-type (9.18.28 and later).
const bindMaxRecords = 100

// ErrRecordLimit is a server's refusal of an RRset larger than it allows. It is permanent:
// sending it again gets the same answer.
var ErrRecordLimit = errors.New("RRset over the server's record limit")

// recordLimit recognises BIND's answer to an UPDATE that would make an RRset larger than its
// max-records-per-type: SERVFAIL, with no reason in the reply (BIND only logs it). A
// SERVFAIL for a message that grows an RRset beyond BIND's default limit is taken for that;
// any other SERVFAIL stays transient.
func recordLimit(r *dns.Msg, ops []op) error {
	if r.Rcode != dns.RcodeServerFailure {
		return nil
	}
	for _, o := range ops {
		if len(o.add) > 0 && o.size > bindMaxRecords {
			return fmt.Errorf("%w: rcode SERVFAIL for %s of %d records: BIND refuses RRsets over its max-records-per-type "+
				"(%d by default) this way; raise max-records-per-type in named.conf or keep the RRset smaller", ErrRecordLimit, o.key, o.size, bindMaxRecords)
		}
	}
	return nil
}

// describe names the RRsets of a message, abbreviated after a few.
func describe(ops []op) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d RRsets: ", len(ops))
	for i, o := range ops {
		if i == 4 {
			fmt.Fprintf(&b, ", ... %s", ops[len(ops)-1].key)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.key.String())
	}
	return b.String()
}
