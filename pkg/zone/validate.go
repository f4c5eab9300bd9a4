package zone

import (
	"github.com/miekg/dns"
)

// validate runs the checks that need the whole zone (see Parse) and adds their problems.
func (p *parser) validate(z *Zone) {
	if len(z.RRsets) == 0 {
		p.errs.add(Pos{File: p.file}, "the zone has no records")
		return
	}
	origin := z.Origin
	types := make(map[string][]int, len(z.RRsets)) // owner -> indexes of its RRsets
	delegations := map[string]bool{}
	for i := range z.RRsets {
		s := &z.RRsets[i]
		if !InZone(s.Name, origin) {
			p.errs.add(p.lines[i], "%s is outside the zone %s", s.Name, origin)
			continue
		}
		types[s.Name] = append(types[s.Name], i)
		switch s.Type {
		case dns.TypeSOA:
			if s.Name != origin {
				p.errs.add(p.lines[i], "SOA at %s is not at the zone apex %s", s.Name, origin)
			}
		case dns.TypeNS:
			if s.Name != origin {
				delegations[s.Name] = true
			}
		case dns.TypeCNAME:
			if s.Name == origin {
				p.errs.add(p.lines[i], "CNAME at the zone apex %s (the apex holds SOA and NS)", origin)
			}
		}
	}
	for name, idx := range types {
		p.checkCNAME(z, name, idx)
		if len(delegations) > 0 {
			p.checkOcclusion(z, name, idx, delegations)
		}
	}
}

// checkCNAME reports other data beside a CNAME (RFC 1034 3.6.2); RRSIG and NSEC may sit
// beside it (RFC 4035 2.5).
func (p *parser) checkCNAME(z *Zone, name string, idx []int) {
	if len(idx) < 2 {
		return
	}
	cname := -1
	for _, i := range idx {
		if z.RRsets[i].Type == dns.TypeCNAME {
			cname = i
		}
	}
	if cname < 0 {
		return
	}
	for _, i := range idx {
		switch z.RRsets[i].Type {
		case dns.TypeCNAME, dns.TypeRRSIG, dns.TypeNSEC:
			continue
		}
		p.errs.add(p.lines[cname], "CNAME at %s beside other data (%s at %s)",
			name, TypeString(z.RRsets[i].Type), at(p.lines[cname], p.lines[i]))
		return
	}
}

// checkOcclusion reports data that a delegation hides: below a delegation point only glue
// (A, AAAA) is allowed; at it only NS, DS, RRSIG, NSEC and glue.
func (p *parser) checkOcclusion(z *Zone, name string, idx []int, delegations map[string]bool) {
	at := ""
	if delegations[name] {
		at = name
	}
	// Look for a delegation strictly above name (and below the origin).
	for n := parentName(name); n != "" && n != z.Origin && len(n) > len(z.Origin); n = parentName(n) {
		if delegations[n] {
			at = n // keep the highest one
		}
	}
	if at == "" {
		return
	}
	for _, i := range idx {
		t := z.RRsets[i].Type
		switch {
		case t == dns.TypeA || t == dns.TypeAAAA:
			continue
		case at == name && (t == dns.TypeNS || t == dns.TypeDS || t == dns.TypeRRSIG || t == dns.TypeNSEC):
			continue
		}
		p.errs.add(p.lines[i], "%s %s is occluded by delegation at %s", name, TypeString(t), at)
	}
}

// InZone reports whether name is origin or below it. Both are absolute and lower-case.
func InZone(name, origin string) bool {
	if origin == "." || name == origin {
		return true
	}
	if len(name) <= len(origin) || name[len(name)-len(origin):] != origin {
		return false
	}
	i := len(name) - len(origin) - 1
	return name[i] == '.' && !escaped(name, i)
}

// parentName strips the first label of an absolute name; "" for the root.
func parentName(name string) string {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // skip the escaped byte (or the first digit of \DDD, harmless)
		case '.':
			if i == len(name)-1 {
				if i == 0 {
					return ""
				}
				return "."
			}
			return name[i+1:]
		}
	}
	return ""
}
