package cfemu

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// rawNumber reads a numeric JSON field; def when absent.
func rawNumber(m json.RawMessage, def int) (int, bool) {
	if len(m) == 0 {
		return def, true
	}
	var f float64
	if err := json.Unmarshal(m, &f); err != nil || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func rawText(m json.RawMessage) (string, bool) {
	var s string
	if len(m) == 0 {
		return "", true
	}
	return s, json.Unmarshal(m, &s) == nil
}

func num(p *float64) (string, bool) {
	if p == nil {
		return "", false
	}
	return strconv.FormatFloat(*p, 'f', -1, 64), true
}

// normalizeData validates the data of SSHFP, NAPTR, URI, CERT, SMIMEA, LOC and DNSKEY records
// (fields of cloudflare-go v6 <TYPE>RecordData; URI's priority is the record's), the way
// Cloudflare refuses a record whose data is incomplete or out of range: the data must make a
// record of its type. Content becomes the presentation form, as Cloudflare returns it.
func normalizeData(r *Record) *cfError {
	d := r.Data
	if d == nil {
		return badRequest(9101, "%s records require data.", r.Type)
	}
	req := func(ps ...*int) bool {
		for _, p := range ps {
			if p == nil {
				return false
			}
		}
		return true
	}
	var v string
	var want string
	switch r.Type {
	case "SSHFP":
		want = "{algorithm, type, fingerprint}"
		if req(d.Algorithm, d.Type) && d.Fingerprint != "" {
			v = fmt.Sprintf("%d %d %s", *d.Algorithm, *d.Type, d.Fingerprint)
			r.Data = &Data{Algorithm: d.Algorithm, Type: d.Type, Fingerprint: strings.ToLower(d.Fingerprint)}
		}
	case "NAPTR":
		want = "{order, preference, flags, service, regex, replacement}"
		flags, ok := rawText(d.Flags)
		repl := strings.ToLower(d.Replacement)
		if repl != "." {
			repl = strings.TrimSuffix(repl, ".")
		}
		if req(d.Order, d.Preference) && ok && repl != "" {
			v = fmt.Sprintf("%d %d %s %s %s %s", *d.Order, *d.Preference, strconv.Quote(flags), strconv.Quote(d.Service),
				strconv.Quote(d.Regex), strings.TrimSuffix(repl, ".")+".")
			r.Data = &Data{Order: d.Order, Preference: d.Preference, Flags: d.Flags, Service: d.Service, Regex: d.Regex, Replacement: repl}
		}
	case "URI":
		want = "{weight, target} and priority"
		if req(r.Priority, d.Weight) && d.Target != "" {
			v = fmt.Sprintf("%d %d %s", *r.Priority, *d.Weight, strconv.Quote(d.Target))
			r.Data = &Data{Weight: d.Weight, Target: d.Target}
		}
	case "CERT":
		want = "{type, key_tag, algorithm, certificate}"
		if req(d.Type, d.KeyTag, d.Algorithm) && d.Certificate != "" {
			v = fmt.Sprintf("%d %d %d %s", *d.Type, *d.KeyTag, *d.Algorithm, d.Certificate)
			r.Data = &Data{Type: d.Type, KeyTag: d.KeyTag, Algorithm: d.Algorithm, Certificate: d.Certificate}
		}
	case "SMIMEA":
		want = "{usage, selector, matching_type, certificate}"
		if req(d.Usage, d.Selector, d.MatchingType) && isHex(d.Certificate) {
			v = fmt.Sprintf("%d %d %d %s", *d.Usage, *d.Selector, *d.MatchingType, d.Certificate)
			r.Data = &Data{Usage: d.Usage, Selector: d.Selector, MatchingType: d.MatchingType, Certificate: strings.ToLower(d.Certificate)}
		}
	case "DNSKEY":
		want = "{flags, protocol, algorithm, public_key}"
		flags, ok := rawNumber(d.Flags, -1)
		if ok && flags >= 0 && req(d.Protocol, d.Algorithm) && d.PublicKey != "" {
			v = fmt.Sprintf("%d %d %d %s", flags, *d.Protocol, *d.Algorithm, d.PublicKey)
			r.Data = &Data{Flags: json.RawMessage(strconv.Itoa(flags)), Protocol: d.Protocol, Algorithm: d.Algorithm, PublicKey: d.PublicKey}
		}
	case "LOC":
		want = "{lat_degrees, lat_minutes, lat_seconds, lat_direction, long_..., altitude, size, precision_horz, precision_vert}"
		var parts []string
		ok := true
		for i, p := range []*float64{d.LatDegrees, d.LatMinutes, d.LatSeconds, nil, d.LongDegrees, d.LongMinutes, d.LongSeconds, nil, d.Altitude, d.Size, d.PrecisionHorz, d.PrecisionVert} {
			switch i {
			case 3:
				parts = append(parts, d.LatDirection)
				ok = ok && (d.LatDirection == "N" || d.LatDirection == "S")
				continue
			case 7:
				parts = append(parts, d.LongDirection)
				ok = ok && (d.LongDirection == "E" || d.LongDirection == "W")
				continue
			}
			s, has := num(p)
			ok = ok && has
			if i >= 8 {
				s += "m"
			}
			parts = append(parts, s)
		}
		if ok {
			v = strings.Join(parts, " ")
			c := *d
			r.Data = &c
		}
	}
	if v == "" {
		return badRequest(9101, "%s records require data %s.", r.Type, want)
	}
	rr, err := dns.NewRR(r.Name + ". 1 IN " + r.Type + " " + v)
	if err != nil || rr == nil {
		return badRequest(9101, "%s record data is invalid: %v", r.Type, err)
	}
	r.Content = strings.TrimPrefix(rr.String(), rr.Header().String())
	return wireSize(r)
}
