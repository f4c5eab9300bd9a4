package cloudflare

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// The types whose content Cloudflare takes as structured data (cloudflare-go v6
// SSHFPRecordData, NAPTRRecordData, CERTRecordData, SMIMEARecordData, LOCRecordData,
// DNSKEYRecordData; URI and OPENPGPKEY are in convert.go).

func rawInt(v int) json.RawMessage { return json.RawMessage(strconv.Itoa(v)) }

func rawString(v string) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// flagsInt reads a numeric flags field (CAA, DNSKEY); 0 when absent or not a number.
func flagsInt(m json.RawMessage) int {
	var f float64
	if json.Unmarshal(m, &f) != nil {
		return 0
	}
	return int(f)
}

// flagsString reads NAPTR's string flags.
func flagsString(m json.RawMessage) string {
	var s string
	if json.Unmarshal(m, &s) != nil {
		return ""
	}
	return s
}

func fl(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func flp(v float64) *float64 { return &v }

// dataValue prints a structured record's data in presentation format, for zone.NewRR.
func dataValue(t uint16, r record) string {
	d := r.Data
	switch t {
	case dns.TypeSSHFP:
		return fmt.Sprintf("%d %d %s", deref(d.Algorithm), deref(d.DataType), d.Fingerprint)
	case dns.TypeNAPTR:
		return fmt.Sprintf("%d %d %s %s %s %s", deref(d.Order), deref(d.Preference), strconv.Quote(flagsString(d.Flags)),
			strconv.Quote(d.Service), strconv.Quote(d.Regex), fqdn(d.Replacement))
	case dns.TypeURI:
		return fmt.Sprintf("%d %d %s", deref(r.Priority), deref(d.Weight), strconv.Quote(d.Target))
	case dns.TypeCERT:
		return fmt.Sprintf("%d %d %d %s", deref(d.DataType), deref(d.KeyTag), deref(d.Algorithm), d.Certificate)
	case dns.TypeSMIMEA:
		return fmt.Sprintf("%d %d %d %s", deref(d.Usage), deref(d.Selector), deref(d.MatchingType), d.Certificate)
	case dns.TypeDNSKEY:
		return fmt.Sprintf("%d %d %d %s", flagsInt(d.Flags), deref(d.Protocol), deref(d.Algorithm), d.PublicKey)
	case dns.TypeLOC:
		return fmt.Sprintf("%s %s %s %s %s %s %s %s %sm %sm %sm %sm",
			num(fl(d.LatDegrees)), num(fl(d.LatMinutes)), num(fl(d.LatSeconds)), d.LatDirection,
			num(fl(d.LongDegrees)), num(fl(d.LongMinutes)), num(fl(d.LongSeconds)), d.LongDirection,
			num(fl(d.Altitude)), num(fl(d.Size)), num(fl(d.PrecisionHorz)), num(fl(d.PrecisionVert)))
	}
	return r.Content
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// toData is the structured data of the types in this file.
func toData(rr dns.RR) (*cfData, bool) {
	switch v := rr.(type) {
	case *dns.SSHFP:
		return &cfData{Algorithm: intp(int(v.Algorithm)), DataType: intp(int(v.Type)), Fingerprint: strings.ToLower(v.FingerPrint)}, true
	case *dns.NAPTR:
		return &cfData{Order: intp(int(v.Order)), Preference: intp(int(v.Preference)), Flags: rawString(v.Flags),
			Service: v.Service, Regex: v.Regexp, Replacement: host(v.Replacement)}, true
	case *dns.CERT:
		return &cfData{DataType: intp(int(v.Type)), KeyTag: intp(int(v.KeyTag)), Algorithm: intp(int(v.Algorithm)), Certificate: v.Certificate}, true
	case *dns.SMIMEA:
		return &cfData{Usage: intp(int(v.Usage)), Selector: intp(int(v.Selector)), MatchingType: intp(int(v.MatchingType)), Certificate: strings.ToLower(v.Certificate)}, true
	case *dns.DNSKEY:
		return &cfData{Flags: rawInt(int(v.Flags)), Protocol: intp(int(v.Protocol)), Algorithm: intp(int(v.Algorithm)), PublicKey: v.PublicKey}, true
	case *dns.LOC:
		return locData(v)
	}
	return nil, false
}

// locData splits a LOC record into Cloudflare's fields, from miekg/dns's presentation
// ("52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m").
func locData(v *dns.LOC) (*cfData, bool) {
	f := strings.Fields(strings.TrimPrefix(v.String(), v.Hdr.String()))
	if len(f) != 12 {
		return nil, false
	}
	var n [12]float64
	for i, s := range f {
		if i == 3 || i == 7 {
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimSuffix(s, "m"), 64)
		if err != nil || math.IsNaN(x) {
			return nil, false
		}
		n[i] = x
	}
	return &cfData{LatDegrees: flp(n[0]), LatMinutes: flp(n[1]), LatSeconds: flp(n[2]), LatDirection: f[3],
		LongDegrees: flp(n[4]), LongMinutes: flp(n[5]), LongSeconds: flp(n[6]), LongDirection: f[7],
		Altitude: flp(n[8]), Size: flp(n[9]), PrecisionHorz: flp(n[10]), PrecisionVert: flp(n[11])}, true
}

// host is a target name as Cloudflare takes it: without the trailing dot, the root as ".".
func host(s string) string {
	if s == "." {
		return s
	}
	return strings.TrimSuffix(s, ".")
}
