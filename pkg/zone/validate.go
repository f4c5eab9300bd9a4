package zone

import (
	"github.com/miekg/dns"
)

// validate runs the checks that need the whole zone (see Parse) on z, which is sorted, so
// the RRsets of one owner are next to each other.
func (p *parser) validate(z *Zone) {
	if len(z.RRsets) == 0 {
		if len(p.errs.errs) == 0 { // else the records were there, and wrong
			p.errs.add(Pos{File: p.file}, "the zone has no records")
		}
		return
	}
	origin := z.Origin
	delegations, dnames := map[string]bool{}, map[string]bool{}
	for i := range z.RRsets {
		s := &z.RRsets[i]
		if s.Type == dns.TypeNS && s.Name != origin && InZone(s.Name, origin) {
			delegations[s.Name] = true
		}
		if s.Type == dns.TypeDNAME && InZone(s.Name, origin) {
			dnames[s.Name] = true
		}
	}
	for start := 0; start < len(z.RRsets); {
		name := z.RRsets[start].Name
		end := start + 1
		for end < len(z.RRsets) && z.RRsets[end].Name == name {
			end++
		}
		group := z.RRsets[start:end]
		start = end
		if !InZone(name, origin) {
			for _, s := range group {
				p.errs.add(p.pos(s.Key()), "%s is outside the zone %s", name, origin)
			}
			continue
		}
		for _, s := range group {
			switch {
			case s.Type == dns.TypeSOA && name != origin:
				p.errs.add(p.pos(s.Key()), "SOA at %s is not at the zone apex %s", name, origin)
			case s.Type == dns.TypeCNAME && name == origin:
				p.errs.add(p.pos(s.Key()), "CNAME at the zone apex %s (the apex holds SOA and NS)", origin)
			}
		}
		p.checkCNAME(name, group)
		p.checkDS(origin, name, group, delegations)
		if len(delegations) > 0 {
			p.checkOcclusion(origin, name, group, delegations)
		}
		if len(dnames) > 0 {
			p.checkDNAME(origin, name, group, dnames)
		}
	}
}

// checkCNAME reports other data beside a CNAME (RFC 1034 3.6.2); RRSIG and NSEC may sit
// beside it (RFC 4035 2.5).
func (p *parser) checkCNAME(name string, group []RRset) {
	if len(group) < 2 {
		return
	}
	cname := -1
	for i := range group {
		if group[i].Type == dns.TypeCNAME {
			cname = i
		}
	}
	if cname < 0 {
		return
	}
	first := -1
	for i := range group { // report the other RRset that comes first in the file
		switch group[i].Type {
		case dns.TypeCNAME, dns.TypeRRSIG, dns.TypeNSEC:
			continue
		}
		if first < 0 || lessPos(p.pos(group[i].Key()), p.pos(group[first].Key())) {
			first = i
		}
	}
	if first < 0 {
		return
	}
	cp := p.pos(group[cname].Key())
	p.errs.add(cp, "CNAME at %s beside other data (%s at %s)",
		name, TypeString(group[first].Type), at(cp, p.pos(group[first].Key())))
}

func lessPos(a, b Pos) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Line < b.Line
}

// checkDS warns about a DS where no delegation is: it belongs to the parent side of a zone
// cut (RFC 4035 2.4); servers load it from a file, but BIND drops it from an UPDATE.
func (p *parser) checkDS(origin, name string, group []RRset, delegations map[string]bool) {
	if name == origin || delegations[name] {
		return
	}
	for _, s := range group {
		if s.Type == dns.TypeDS {
			p.warns.add(p.pos(s.Key()), "DS at %s without NS there: a DS belongs at a delegation (RFC 4035 2.4); BIND drops it from dynamic updates", name)
		}
	}
}

// checkDNAME refuses data below a DNAME, which no query reaches (RFC 6672 2.3): Knot
// refuses every such zone, BIND one with NS there.
func (p *parser) checkDNAME(origin, name string, group []RRset, dnames map[string]bool) {
	data := -1 // NSEC3 chains (hashed owners below the apex) and their RRSIGs may sit below one
	for i := range group {
		if t := group[i].Type; t != dns.TypeNSEC3 && t != dns.TypeRRSIG {
			data = i
			break
		}
	}
	if data < 0 {
		return
	}
	for n := parentName(name); len(n) >= len(origin); n = parentName(n) {
		if dnames[n] {
			p.errs.add(p.pos(group[data].Key()), "%s is below the DNAME at %s: nothing below a DNAME can be reached (RFC 6672 2.3)", name, n)
			return
		}
		if n == origin {
			return
		}
	}
}

// checkOcclusion warns about data that a delegation hides: below a delegation point only glue
// (A, AAAA) is allowed; at it only NS, DS, RRSIG, NSEC and glue.
func (p *parser) checkOcclusion(origin, name string, group []RRset, delegations map[string]bool) {
	at := ""
	if delegations[name] {
		at = name
	}
	// Look for a delegation strictly above name (and below the origin); keep the highest.
	for n := parentName(name); len(n) > len(origin); n = parentName(n) {
		if delegations[n] {
			at = n
		}
	}
	if at == "" {
		return
	}
	for _, s := range group {
		t := s.Type
		switch {
		case t == dns.TypeA || t == dns.TypeAAAA:
			continue
		case at == name && (t == dns.TypeNS || t == dns.TypeDS || t == dns.TypeRRSIG || t == dns.TypeNSEC):
			continue
		}
		p.warns.add(p.pos(s.Key()), "%s %s is occluded by delegation at %s: servers load it but do not answer with it", name, TypeString(t), at)
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

// Validate runs on z, which must be sorted (Sort), the checks of Parse that need the whole
// zone and refuse it (not those that only warn): names outside the zone, SOA off the apex,
// CNAME at the apex or beside other data, an empty zone, and the others validate makes. It
// lets a writer that changed a parsed zone know whether Parse would read its output back
// without error.
func Validate(z *Zone) error {
	p := &parser{origin: z.Origin}
	p.validate(z)
	return p.errs.err()
}
