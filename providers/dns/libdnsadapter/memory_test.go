package libdnsadapter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
)

// memProvider is an in-memory libdns v1 provider that keeps the v1 contract: SetRecords makes
// the input records the only members of each input (name, type) RRset, atomically;
// DeleteRecords deletes exact matches (empty Type, TTL or Data match anything). Records are
// compared the way a DNS server would: by their parsed form, not their spelling.
type memProvider struct {
	mu     sync.Mutex
	zones  map[string][]memRec // zone -> records
	nextID int
	calls  map[string][]int // method -> records per call
	panic  string           // method that panics when called
	delIn  []libdns.Record  // inputs of the last DeleteRecords call
	setErr error            // returned by SetRecords, nothing changed
}

type memRec struct {
	id int
	rr libdns.RR // Name relative, as stored
}

func newMem(z string, zoneText string) *memProvider {
	m := &memProvider{zones: map[string][]memRec{}, calls: map[string][]int{}}
	zp := dns.NewZoneParser(strings.NewReader(zoneText), z, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		data := strings.TrimPrefix(rr.String(), h.String())
		if t, ok := rr.(*dns.TXT); ok {
			data = strings.Join(t.Txt, "")
		}
		m.nextID++
		m.zones[z] = append(m.zones[z], memRec{m.nextID, libdns.RR{
			Name: libdns.RelativeName(h.Name, z), TTL: time.Duration(h.Ttl) * time.Second,
			Type: dns.TypeToString[h.Rrtype], Data: data,
		}})
	}
	if err := zp.Err(); err != nil {
		panic(err)
	}
	return m
}

// memIdentity is a record's identity for matching: lower-case absolute name, type, and the
// data parsed by miekg (TXT text as is).
func memIdentity(z string, r libdns.RR) (name, typ, data string, err error) {
	name = strings.ToLower(libdns.AbsoluteName(r.Name, z))
	typ = strings.ToUpper(r.Type)
	if r.Data == "" || typ == "TXT" {
		return name, typ, r.Data, nil
	}
	rr, err := dns.NewRR(name + " 0 IN " + typ + " " + r.Data)
	if err != nil || rr == nil {
		return "", "", "", fmt.Errorf("memProvider: bad %s data %q: %v", typ, r.Data, err)
	}
	s := rr.String()
	return name, typ, strings.ToLower(s[len(rr.Header().String()):]), nil
}

func (m *memProvider) enter(method string, n int) {
	m.calls[method] = append(m.calls[method], n)
	if m.panic == method {
		var p *memProvider
		_ = p.zones // nil dereference, as libdns/cloudflare's GetRecords does
	}
}

func (m *memProvider) GetRecords(ctx context.Context, z string) ([]libdns.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter("GetRecords", 0)
	out := make([]libdns.Record, 0, len(m.zones[z]))
	for _, r := range m.zones[z] {
		rec, err := r.rr.Parse()
		if err != nil {
			rec = r.rr
		}
		out = append(out, withID{rec, r.id})
	}
	return out, nil
}

// withID is a record as a provider returns it, carrying its ID (like ProviderData).
type withID struct {
	libdns.Record
	id int
}

func (m *memProvider) SetRecords(ctx context.Context, z string, recs []libdns.Record) ([]libdns.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter("SetRecords", len(recs))
	if m.setErr != nil {
		return nil, m.setErr
	}
	replace := map[string]bool{}
	for _, rec := range recs {
		r := rec.RR()
		n, t, _, err := memIdentity(z, r)
		if err != nil {
			return nil, err // nothing changed: atomic
		}
		if r.Name == "" || strings.HasSuffix(r.Name, ".") {
			return nil, fmt.Errorf("memProvider: name %q is not relative", r.Name)
		}
		replace[n+" "+t] = true
	}
	var kept []memRec
	for _, r := range m.zones[z] {
		n, t, _, _ := memIdentity(z, r.rr)
		if !replace[n+" "+t] {
			kept = append(kept, r)
		}
	}
	for _, rec := range recs {
		m.nextID++
		kept = append(kept, memRec{m.nextID, rec.RR()})
	}
	m.zones[z] = kept
	return recs, nil
}

func (m *memProvider) DeleteRecords(ctx context.Context, z string, recs []libdns.Record) ([]libdns.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter("DeleteRecords", len(recs))
	m.delIn = append([]libdns.Record(nil), recs...)
	var deleted []libdns.Record
	var kept []memRec
	for _, r := range m.zones[z] {
		n, t, d, _ := memIdentity(z, r.rr)
		gone := false
		for _, rec := range recs {
			in := rec.RR()
			if w, ok := rec.(withID); ok && w.id != r.id {
				continue // a record that carries an ID deletes that record only
			}
			wn, wt, wd, err := memIdentity(z, in)
			if err != nil {
				return nil, err
			}
			if wn == n && (wt == "" || wt == t) && (in.TTL == 0 || in.TTL == r.rr.TTL) && (wd == "" || wd == d) {
				gone = true
				break
			}
		}
		if gone {
			deleted = append(deleted, r.rr)
		} else {
			kept = append(kept, r)
		}
	}
	m.zones[z] = kept
	return deleted, nil
}

// dump returns the zone as sorted "name ttl type data" lines.
func (m *memProvider) dump(z string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.zones[z] {
		out = append(out, r.rr.Name+" "+strconv.Itoa(int(r.rr.TTL/time.Second))+" "+r.rr.Type+" "+r.rr.Data)
	}
	return out
}

func (m *memProvider) callSizes(method string) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int(nil), m.calls[method]...)
}
