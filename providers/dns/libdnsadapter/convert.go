package libdnsadapter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// toDNS turns one libdns record of zone z (absolute, lower-case) into a miekg record.
func toDNS(z string, r libdns.RR) (dns.RR, error) {
	name := libdns.AbsoluteName(r.Name, z)
	if r.Name == "" {
		name = z
	}
	typ := strings.ToUpper(strings.TrimSpace(r.Type))
	if typ == "" {
		return nil, fmt.Errorf("record %q has no type", r.Name)
	}
	data := r.Data
	if typ == "TXT" || typ == "SPF" {
		data = zone.TextToTXT(r.Data)
	}
	ttl := r.TTL / time.Second
	text := "$ORIGIN " + z + "\n" + name + " " + strconv.FormatInt(int64(ttl), 10) + " IN " + typ + " " + data
	rr, err := dns.NewRR(text)
	if err != nil {
		return nil, fmt.Errorf("record %s %s %q: %w", name, typ, r.Data, err)
	}
	if rr == nil {
		return nil, fmt.Errorf("record %s %s: empty", name, typ)
	}
	sortSvcParams(rr)
	return rr, nil
}

// joinTXT returns the one libdns text (unescaped bytes) of a TXT record whose strings are as
// miekg/dns holds them (escaped), or an error when its character-strings cannot be joined
// without changing the value (only 255-byte strings may be followed by more).
func joinTXT(txt []string) (string, error) {
	var b strings.Builder
	for i, s := range txt {
		u := zone.UnescapeTXT(s)
		if i < len(txt)-1 && len(u) != 255 {
			return "", fmt.Errorf("TXT character-string %d of %d is %d bytes: libdns holds one string per TXT record, "+
				"so only values whose strings are 255 bytes each (but the last) can be written through it", i+1, len(txt), len(u))
		}
		b.WriteString(u)
	}
	return b.String(), nil
}

// sortSvcParams puts the parameters of an SVCB or HTTPS record in key order (RFC 9460 2.2),
// so that a provider that keeps them in a map (libdns.SvcParams) reads back the same value.
func sortSvcParams(rr dns.RR) {
	var kv []dns.SVCBKeyValue
	switch r := rr.(type) {
	case *dns.SVCB:
		kv = r.Value
	case *dns.HTTPS:
		kv = r.Value
	}
	slices.SortStableFunc(kv, func(a, b dns.SVCBKeyValue) int { return int(a.Key()) - int(b.Key()) })
}

// fromRRset returns the libdns records of one RRset of zone z.
func fromRRset(z string, s zone.RRset) ([]libdns.Record, error) {
	out := make([]libdns.Record, 0, len(s.Values))
	rel := libdns.RelativeName(s.Name, z)
	typ := zone.TypeString(s.Type)
	for _, v := range s.Values {
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
		if err != nil {
			return nil, fmt.Errorf("%s %s %q: %w", s.Name, typ, v, err)
		}
		data := v
		if t, ok := rr.(*dns.TXT); ok {
			if data, err = joinTXT(t.Txt); err != nil {
				return nil, fmt.Errorf("%s TXT %s: %w", s.Name, v, err)
			}
		} else if t, ok := rr.(*dns.SPF); ok {
			if data, err = joinTXT(t.Txt); err != nil {
				return nil, fmt.Errorf("%s SPF %s: %w", s.Name, v, err)
			}
		}
		out = append(out, typed(z, libdns.RR{Name: rel, TTL: time.Duration(s.TTL) * time.Second, Type: typ, Data: data}, rr))
	}
	return out, nil
}

// typed returns libdns's struct for r when libdns parses r and prints it back to the same
// record (want is r parsed by miekg); otherwise r itself.
func typed(z string, r libdns.RR, want dns.RR) libdns.Record {
	rec, err := r.Parse()
	if err != nil {
		return r
	}
	back := rec.RR()
	if back.Name != r.Name || back.Type != r.Type || back.TTL != r.TTL {
		return r
	}
	sortSvcParams(want)
	got, err := toDNS(z, back)
	if err != nil || !sameRR(got, want) {
		return r
	}
	return rec
}

func sameRR(a, b dns.RR) bool {
	ka, ta, va := zone.FromRR(a)
	kb, tb, vb := zone.FromRR(b)
	return ka == kb && ta == tb && va == vb
}
