package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/miekg/dns"
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

// StampValue is the TXT value (presentation format, quoted) of the stamp for hash h.
func StampValue(h string) string { return `"v=tz1 h=` + h + `"` }

// ParseStamp extracts the hash from a stamp TXT value: either presentation format (quoted
// character-strings, concatenated) or the raw text of the string; ok is false when the value
// is not a tz1 stamp with a 64-digit lower-case hex hash.
func ParseStamp(value string) (hash string, ok bool) {
	v := value
	if strings.HasPrefix(v, `"`) {
		v = string(decodeTXT(value))
	}
	h, found := strings.CutPrefix(v, "v=tz1 h=")
	if !found || len(h) != 64 {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if !isDigit(h[i]) && (h[i] < 'a' || h[i] > 'f') {
			return "", false
		}
	}
	return h, true
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
