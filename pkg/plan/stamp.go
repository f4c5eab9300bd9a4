package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// StampTTL is the TTL of the sync stamp RRset (before the provider's TTL clamp).
const StampTTL = 60

// StampLabel is the owner label of the sync stamp, below the zone apex.
const StampLabel = "_twinzone"

// StampName is the owner of the sync stamp of a zone: "_twinzone.<origin>".
func StampName(origin string) string {
	origin = normName(origin)
	if origin == "." {
		return StampLabel + "."
	}
	return StampLabel + "." + origin
}

// StampValue is the TXT value (presentation format, quoted) of the stamp s.
func StampValue(s stamp.Stamp) string { return `"` + s.String() + `"` }

// StampOf is the stamp of the desired records: their StampHash and, as the generation, the
// serial of their SOA (a zone without SOA gets a stamp without generation).
func StampOf(desired []zone.RRset) stamp.Stamp {
	h := StampHash(desired)
	for _, s := range desired {
		if s.Type != dns.TypeSOA || len(s.Values) == 0 {
			continue
		}
		if f := strings.Fields(s.Values[0]); len(f) >= 3 {
			if n, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				return stamp.New(h, uint32(n))
			}
		}
	}
	return stamp.Stamp{Hash: h}
}

// StampHash is the lower-case hex SHA-256 over the canonical managed desired RRsets: every
// RRset except SOA, the apex NS and the stamp itself, with names and values in canonical form
// (see Calculate), in canonical order, TTLs as given (before any provider clamp). The apex is
// the owner of the SOA when desired has one, otherwise the first owner in canonical order.
//
// Ignore rules and provider traits do not enter the hash, so it is a function of the zone
// file alone: both providers, and probes, compute the same value from the same file.
//
// Serialisation, per RRset: "<name> <TYPE> <ttl> <n>\n" then each value followed by "\n".
func StampHash(desired []zone.RRset) string {
	sets := zone.Sorted(desired)
	apex := ""
	for i := range sets {
		if sets[i].Type == dns.TypeSOA {
			apex = normName(sets[i].Name)
			break
		}
	}
	if apex == "" && len(sets) > 0 {
		apex = normName(sets[0].Name)
	}
	stamp := StampName(apex)
	h := sha256.New()
	var buf []byte
	for i := 0; i < len(sets); {
		s, next, ok := group(sets, i)
		i = next
		switch {
		case !ok, s.Type == dns.TypeSOA,
			s.Type == dns.TypeNS && s.Name == apex,
			s.Type == dns.TypeTXT && s.Name == stamp:
			continue
		}
		buf = append(buf[:0], s.Name...)
		buf = append(buf, ' ')
		buf = append(buf, zone.TypeString(s.Type)...)
		buf = append(buf, ' ')
		buf = strconv.AppendUint(buf, uint64(s.TTL), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(len(s.Values)), 10)
		buf = append(buf, '\n')
		for _, v := range s.Values {
			buf = append(buf, v...)
			buf = append(buf, '\n')
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StampChange returns the stamps of a plan's stamp update: what the provider serves now and
// what the plan writes (ok false when the plan does not replace a readable stamp).
func (p *Plan) StampChange() (served, next stamp.Stamp, ok bool) {
	for _, c := range p.Changes {
		if !p.IsStamp(c) || c.Old == nil || c.New == nil || len(c.Old.Values) != 1 || len(c.New.Values) != 1 {
			continue
		}
		s, ok1 := stamp.Parse(string(decodeTXT(c.Old.Values[0])))
		n, ok2 := stamp.Parse(string(decodeTXT(c.New.Values[0])))
		return s, n, ok1 && ok2
	}
	return stamp.Stamp{}, stamp.Stamp{}, false
}

// NoDowngrade refuses a plan that would replace a provider's stamp by an older version of the
// zone: the provider serves a deploy newer (by SOA serial, see pkg/stamp) than the zone file
// being pushed, and pushing would revert it. To roll back on purpose, bump the serial of the
// old content (or use --force).
type NoDowngrade struct{}

// Check implements Policy.
func (NoDowngrade) Check(p *Plan) error {
	served, next, ok := p.StampChange()
	if !ok || stamp.Compare(served, next) != stamp.Newer {
		return nil
	}
	return fmt.Errorf("%w: %s serves zone version %s, newer than this zone file's %s: refusing to push an older version over it (get the newer file; to roll back on purpose, bump the SOA serial, or use --force)",
		ErrUnsafe, p.label(), served.Short(), next.Short())
}
