package zone

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

// ParseFile reads and validates the zone file at path; see Parse. An error opening the file
// wraps the os error, so errors.Is(err, fs.ErrNotExist) works.
func ParseFile(path, origin string) (*Zone, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("zone file: %w", err)
	}
	defer f.Close()
	return Parse(f, origin, path)
}

// Parse reads an RFC 1035 master file with miekg/dns and returns its canonical zone: RRsets
// grouped by (lower-cased owner, type), values from CanonicalValue, sorted with Sort, and the
// line of each RRset's first record in Zone.Lines. filename names the input in errors and is
// the base of relative $INCLUDE paths; "" forbids $INCLUDE.
//
// Syntax: everything miekg/dns reads ($ORIGIN, $TTL, $GENERATE, relative names, @,
// parentheses, escapes, multi-string TXT, every type it knows, RFC 3597 TYPEnnn/\#).
// $INCLUDE is allowed for files inside the zone file's folder only (symlinks resolved).
// origin is the zone's apex; "" means the owner of the file's SOA, or else its first $ORIGIN.
//
// Validation (each problem is a *Error naming file:line; all of them, up to MaxErrors, are
// returned joined): syntax errors; class other than IN; TTL over 2^31-1 (RFC 2181 8);
// meta types (ANY, OPT, TSIG...); owners outside the zone; SOA other than one record at the
// apex; CNAME at the apex, beside other data (RRSIG and NSEC aside; RFC 1034 3.6.2, RFC
// 4035 2.5) or with two values; one RRset with different TTLs (RFC 2181 5.2); data below a
// delegation other than glue A/AAAA, and data at a delegation other than NS, DS, RRSIG, NSEC
// and glue ("occluded by delegation"); a zone with no records. A missing SOA is allowed:
// every provider owns its own SOA. Identical records are merged silently. A record without a
// TTL and with no $TTL before it gets miekg's default (the previous record's TTL, or 0).
func Parse(r io.Reader, origin, filename string) (*Zone, error) {
	p := newParser(origin, filename)
	return p.parse(r)
}

type parser struct {
	origin   string // as given, lower-case absolute, or ""
	file     string // display name
	errs     errorList
	shared   trackers
	fsys     *includeFS
	idx      map[Key]int
	sets     []RRset
	lines    []Pos
	firstSOA string
}

func newParser(origin, filename string) *parser {
	p := &parser{file: filename, idx: make(map[Key]int)}
	if origin != "" {
		p.origin = strings.ToLower(dns.Fqdn(origin))
	}
	p.fsys = &includeFS{names: map[string]string{}, shared: &p.shared}
	return p
}

func (p *parser) parse(r io.Reader) (*Zone, error) {
	main := newTracker(r, p.file, &p.shared)
	main.keep = p.origin == ""
	parserName := ""
	if p.file != "" {
		abs, err := filepath.Abs(p.file)
		if err == nil {
			parserName = abs
			dir := filepath.Dir(abs)
			p.fsys.lexRoot = dir
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				dir = real
			}
			p.fsys.root = dir
			p.fsys.display = filepath.Dir(p.file)
		}
	}
	p.fsys.names[parserName] = p.file

	if p.origin != "" {
		if _, ok := dns.IsDomainName(p.origin); !ok {
			p.errs.add(Pos{File: p.file}, "bad origin %q", p.origin)
			return nil, p.errs.err()
		}
	}
	zp := dns.NewZoneParser(main, p.origin, parserName)
	zp.SetIncludeAllowed(true)
	zp.SetIncludeFS(p.fsys)

	last := 0
	var lastTracker *tracker
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		t := p.shared.cur
		if t == nil {
			t = main
		}
		if t != lastTracker {
			last, lastTracker = 0, t
		}
		last = t.next(last)
		p.add(rr, Pos{File: t.file, Line: last})
	}
	if err := zp.Err(); err != nil {
		// The parser stops at its first syntax error; checks that need the whole zone
		// would only report noise, so only the per-record problems found so far remain.
		p.errs.errs = append(p.errs.errs, fromParseError(err, p.fsys.names, p.file))
		return nil, p.errs.err()
	}

	if p.origin == "" {
		p.origin = p.firstSOA
		if p.origin == "" && main.origin != "" {
			if n, ok := absName(main.origin); ok {
				p.origin = n
			}
		}
		if p.origin == "" && len(p.sets) > 0 {
			p.errs.add(Pos{File: p.file}, "no origin: the file has neither an SOA nor $ORIGIN, and none was given")
			return nil, p.errs.err()
		}
	}
	z := &Zone{Origin: p.origin, RRsets: p.sets, Lines: make(map[Key]Pos, len(p.sets))}
	for i := range p.sets {
		z.Lines[p.sets[i].Key()] = p.lines[i]
	}
	p.validate(z)
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	Sort(z.RRsets)
	return z, nil
}

// absName makes an $ORIGIN argument absolute and lower-case; it must already be absolute.
func absName(s string) (string, bool) {
	if !dns.IsFqdn(s) {
		return "", false
	}
	if _, ok := dns.IsDomainName(s); !ok {
		return "", false
	}
	return strings.ToLower(s), true
}

// add checks one record on its own and adds it to its RRset.
func (p *parser) add(rr dns.RR, pos Pos) {
	h := rr.Header()
	if h.Class != dns.ClassINET {
		p.errs.add(pos, "class %s is not supported (only IN)", dns.Class(h.Class))
		return
	}
	if metaType(h.Rrtype) {
		p.errs.add(pos, "type %s cannot appear in a zone", TypeString(h.Rrtype))
		return
	}
	if !ttlOK(h.Ttl) {
		p.errs.add(pos, "TTL %d is over the maximum %d (RFC 2181)", h.Ttl, MaxTTL)
		return
	}
	name := strings.ToLower(h.Name) // miekg returns absolute names
	if h.Rrtype == dns.TypeSOA && p.firstSOA == "" {
		p.firstSOA = name
	}
	k := Key{Name: name, Type: h.Rrtype}
	v := CanonicalValue(rr)
	i, ok := p.idx[k]
	if !ok {
		p.idx[k] = len(p.sets)
		p.sets = append(p.sets, RRset{Name: name, Type: h.Rrtype, TTL: h.Ttl, Values: []string{v}})
		p.lines = append(p.lines, pos)
		return
	}
	s := &p.sets[i]
	if h.Ttl != s.TTL {
		p.errs.add(pos, "TTL %d differs from TTL %d of the same RRset %s at %s (RFC 2181 5.2)",
			h.Ttl, s.TTL, k, at(pos, p.lines[i]))
		return
	}
	if h.Rrtype == dns.TypeCNAME || h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeDNAME {
		for _, old := range s.Values {
			if old == v {
				return // an identical record: merged
			}
		}
		p.errs.add(pos, "a second %s at %s (first at %s); a name holds only one", TypeString(h.Rrtype), name, at(pos, p.lines[i]))
		return
	}
	s.Values = append(s.Values, v)
}
