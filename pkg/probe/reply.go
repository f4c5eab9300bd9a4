package probe

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// checkReply verifies that r answers q (response bit, opcode, the same single question, name
// compared case-insensitively) and maps its rcode and AA bit to a reason. NOERROR and NXDOMAIN
// with AA are OK; the caller judges the answer itself.
func checkReply(q, r *dns.Msg) (Reason, string) {
	if !r.Response {
		return WrongAnswer, "reply without the QR bit"
	}
	if r.Opcode != dns.OpcodeQuery {
		return WrongAnswer, "reply opcode " + dns.OpcodeToString[r.Opcode]
	}
	want := q.Question[0]
	// Servers may leave the question out of error replies; judge those by their rcode.
	if len(r.Question) != 0 || r.Rcode == dns.RcodeSuccess || r.Rcode == dns.RcodeNameError {
		if len(r.Question) != 1 {
			return WrongAnswer, fmt.Sprintf("reply has %d questions", len(r.Question))
		}
		got := r.Question[0]
		if !strings.EqualFold(got.Name, want.Name) || got.Qtype != want.Qtype || got.Qclass != want.Qclass {
			return WrongAnswer, fmt.Sprintf("reply is for %q %s, asked %q %s",
				got.Name, dns.Type(got.Qtype), want.Name, dns.Type(want.Qtype))
		}
	}
	switch r.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	case dns.RcodeRefused:
		return Refused, "REFUSED"
	case dns.RcodeServerFailure:
		return ServFail, "SERVFAIL"
	case dns.RcodeNotAuth:
		return NotAuth, "NOTAUTH"
	default:
		return WrongAnswer, "rcode " + rcodeName(r.Rcode)
	}
	if !r.Authoritative {
		return NotAuth, "reply without the AA bit"
	}
	return OK, ""
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// findSOA returns the first SOA record of the answer section owned by zone.
func findSOA(r *dns.Msg, zone string) *dns.SOA {
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			return soa
		}
	}
	return nil
}

// describeAnswer summarises an answer section for failure details (owners and types only).
func describeAnswer(r *dns.Msg) string {
	if len(r.Answer) == 0 {
		return " (empty answer)"
	}
	parts := make([]string, 0, 3)
	for i, rr := range r.Answer {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		h := rr.Header()
		parts = append(parts, h.Name+" "+dns.Type(h.Rrtype).String())
	}
	return " (got " + strings.Join(parts, ", ") + ")"
}

// readStamp extracts the hash of the "v=tz1 h=<hex>" TXT records owned by name. It returns
// the hash (the first one seen) and a note when the stamp is missing, unreadable or ambiguous
// (several different values). A NXDOMAIN or empty answer is a missing stamp.
func readStamp(r *dns.Msg, name string) (string, string) {
	var hashes []string
	for _, rr := range r.Answer {
		txt, ok := rr.(*dns.TXT)
		if !ok || !strings.EqualFold(txt.Hdr.Name, name) {
			continue
		}
		if h, ok := parseStamp(strings.Join(txt.Txt, "")); ok {
			hashes = append(hashes, h)
		}
	}
	switch {
	case len(hashes) == 0 && r.Rcode == dns.RcodeNameError:
		return "", "no " + name + " (NXDOMAIN)"
	case len(hashes) == 0:
		return "", "no v=tz1 TXT at " + name
	}
	for _, h := range hashes[1:] {
		if !strings.EqualFold(h, hashes[0]) {
			return hashes[0], fmt.Sprintf("%d different sync stamps at %s", len(hashes), name)
		}
	}
	return hashes[0], ""
}

// parseStamp reads "v=tz1 h=<hex>" and returns the lower-cased hex.
func parseStamp(s string) (string, bool) {
	var v, h string
	for _, f := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(f, "v="):
			v = f[2:]
		case strings.HasPrefix(f, "h="):
			h = f[2:]
		}
	}
	if v != "tz1" || h == "" || !isHex(h) {
		return "", false
	}
	return strings.ToLower(h), true
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
