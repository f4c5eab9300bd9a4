package cfemu

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Validation of names and of the structured data of SRV, CAA, HTTPS and SVCB records.

func hostname(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" {
		return "", false
	}
	_, ok := dns.IsDomainName(s)
	return s, ok && !strings.ContainsAny(s, " \t")
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return s != "" && err == nil
}

func intIn(p *int, lo, hi int) bool { return p != nil && *p >= lo && *p <= hi }

func (s *Server) normalizeSRV(r *Record) *cfError {
	labels := strings.Split(r.Name, ".")
	if len(labels) < 3 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") {
		return badRequest(9101, "SRV record name must be _service._proto.name.")
	}
	d := r.Data
	if d == nil {
		return badRequest(9101, "SRV records require data {priority, weight, port, target}.")
	}
	zero := 0
	if d.Priority == nil {
		d.Priority = &zero
	}
	if d.Weight == nil {
		d.Weight = &zero
	}
	if !intIn(d.Priority, 0, 65535) || !intIn(d.Weight, 0, 65535) || !intIn(d.Port, 0, 65535) {
		return badRequest(9101, "SRV data priority, weight and port must be between 0 and 65535.")
	}
	t, ok := hostname(d.Target)
	if d.Target == "." {
		t, ok = ".", true
	}
	if !ok {
		return badRequest(9101, "SRV data target is invalid.")
	}
	r.Data = &Data{Priority: d.Priority, Weight: d.Weight, Port: d.Port, Target: t}
	p := *d.Priority
	r.Priority = &p
	r.Content = fmt.Sprintf("%d %d %s", *d.Weight, *d.Port, t)
	return nil
}

func normalizeCAA(r *Record) *cfError {
	d := r.Data
	if d == nil {
		return badRequest(9101, "CAA records require data {flags, tag, value}.")
	}
	flags, ok := rawNumber(d.Flags, 0)
	if !ok || flags < 0 || flags > 255 {
		return badRequest(9101, "CAA flags must be between 0 and 255.")
	}
	switch d.Tag {
	case "issue", "issuewild", "iodef", "issuevmc", "issuemail":
	default:
		return badRequest(9101, "CAA tag %q is invalid.", d.Tag)
	}
	r.Data = &Data{Flags: json.RawMessage(strconv.Itoa(flags)), Tag: d.Tag, Value: d.Value}
	r.Content = fmt.Sprintf("%d %s %s", flags, d.Tag, strconv.Quote(d.Value))
	return nil
}

func normalizeSVCB(r *Record) *cfError {
	d := r.Data
	if d == nil || !intIn(d.Priority, 0, 65535) {
		return badRequest(9101, "%s records require data {priority, target, value}.", r.Type)
	}
	t, ok := hostname(d.Target)
	if d.Target == "." {
		t, ok = ".", true
	}
	if !ok {
		return badRequest(9101, "%s data target is invalid.", r.Type)
	}
	if *d.Priority == 0 && d.Value != "" {
		return badRequest(9101, "%s alias mode (priority 0) takes no parameters.", r.Type)
	}
	if d.Value != "" {
		if _, err := dns.NewRR(". 1 IN " + r.Type + " 1 . " + d.Value); err != nil {
			return badRequest(9101, "%s data value is invalid: %v", r.Type, err)
		}
	}
	r.Data = &Data{Priority: d.Priority, Target: t, Value: d.Value}
	r.Content = strings.TrimSpace(fmt.Sprintf("%d %s %s", *d.Priority, t, d.Value))
	return nil
}

// tagNameRE is what a tag name may hold ("letters, numbers, -, and _").
var tagNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// checkAttributes applies Cloudflare's record attributes reference
// (developers.cloudflare.com, DNS > Record attributes): comments take no newline or carriage
// return; tags are name:value pairs, names of letters, numbers, - and _, values like comments.
func checkAttributes(r *Record) *cfError {
	if strings.ContainsAny(r.Comment, "\r\n") {
		return badRequest(9102, "DNS record comments do not support newline or carriage return characters.")
	}
	for _, t := range r.Tags {
		name, value, ok := strings.Cut(t, ":")
		if !ok || !tagNameRE.MatchString(name) || strings.ContainsAny(value, "\r\n") {
			return badRequest(9103, "DNS record tag %q is invalid: want name:value, the name of letters, numbers, - and _.", t)
		}
	}
	return nil
}
