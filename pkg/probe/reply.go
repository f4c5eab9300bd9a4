package probe

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/stamp"
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

// readStamp extracts the sync stamp (stamp.Parse) of the TXT records owned by name. It returns
// the stamp (the first one seen) and a note when the stamp is missing, unreadable or ambiguous
// (several different values). A NXDOMAIN or empty answer is a missing stamp.
func readStamp(r *dns.Msg, name string) (stamp.Stamp, string) {
	var stamps []stamp.Stamp
	for _, rr := range r.Answer {
		txt, ok := rr.(*dns.TXT)
		if !ok || !strings.EqualFold(txt.Hdr.Name, name) {
			continue
		}
		if s, ok := stamp.Parse(strings.Join(txt.Txt, "")); ok {
			stamps = append(stamps, s)
		}
	}
	switch {
	case len(stamps) == 0 && r.Rcode == dns.RcodeNameError:
		return stamp.Stamp{}, "no " + name + " (NXDOMAIN)"
	case len(stamps) == 0:
		return stamp.Stamp{}, "no v=tz1/v=tz2 TXT at " + name
	}
	for _, s := range stamps[1:] {
		if s != stamps[0] {
			return stamps[0], fmt.Sprintf("%d different sync stamps at %s", len(stamps), name)
		}
	}
	return stamps[0], ""
}
