package zone

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

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
// grouped by (lower-cased owner, type), values from CanonicalValue, sorted as Sort sorts, and
// where each RRset's first record was read (Zone.Line). filename names the input in errors
// and is the base of relative $INCLUDE paths; "" forbids $INCLUDE. Nothing is returned with
// an error: a zone with any problem is rejected as a whole.
//
// Syntax: everything miekg/dns reads ($ORIGIN, $TTL, relative names, @, parentheses,
// escapes, multi-string TXT, every type it knows, RFC 3597 TYPEnnn/\#), $GENERATE as BIND
// expands it (generate.go), and the records BIND reads that miekg cannot (rewrite.go).
// $INCLUDE is allowed for files inside the zone file's folder only (symlinks resolved).
// origin is the zone's apex; "" means the owner of the file's SOA, or else its first $ORIGIN.
//
// Validation (each problem is a *Error naming file:line; all of them, up to MaxErrors, are
// returned joined): syntax errors; class other than IN; TTL over 2^31-1 (RFC 2181 8);
// meta types (ANY, OPT, TSIG...); records without RDATA (which miekg accepts for dynamic
// updates); records that miekg prints in a form it cannot read back; what BIND and Knot
// refuse although miekg reads it (TXT character-strings over 255 bytes, which miekg splits
// silently; RDATA over 65,535 bytes; SVCB/HTTPS AliasMode with mandatory=; AMTRELAY relay
// types over 3); owners outside the zone; data below a DNAME; SOA other than one record at
// the apex; CNAME at the apex, beside other data (RRSIG and NSEC aside; RFC 1034 3.6.2, RFC
// 4035 2.5) or with two values; one RRset with different TTLs (RFC 2181 5.2; RRSIGs aside,
// which carry the TTLs of the RRsets they cover: the RRset keeps the lowest); a line over
// MaxLineBytes or input over MaxZoneBytes; a zone with no records. A missing SOA is
// allowed: every provider owns its own SOA. Identical records are merged silently.
//
// Accepted with a warning (Zone.Warnings), as BIND and Knot load them: data occluded by a
// delegation; a record without TTL before any $TTL or TTL, which takes the SOA minimum (BIND's
// rule; Knot would use its default-ttl, 3600); miekg/dns alone would give it TTL 0 when its
// line carries a class. A record without TTL after a TTL takes the last $TTL, else the
// previous record's TTL. Owner names and names in values are kept in the form servers print
// (see CanonicalName and CanonicalValue).
func Parse(r io.Reader, origin, filename string) (*Zone, error) {
	p := newParser(origin, filename, sizeOf(r))
	return p.parse(r)
}

type parser struct {
	origin    string // as given, lower-case absolute, or ""
	file      string // display name
	errs      errorList
	shared    trackers
	fsys      *includeFS
	lines     lineIndex
	runs      []RRset   // runs of records with the same key, in file order
	runPos    []filePos // where each run starts
	vals      []string  // slab that single values are carved from
	firstSOA  string
	empty     map[uint16]string // type -> canonical value of its zero RDATA
	warns     errorList
	soaMin    uint32 // the SOA minimum, once an SOA was read
	haveSOA   bool
	warnedTTL bool
}

func newParser(origin, filename string, sizeHint int64) *parser {
	n := 64
	if sizeHint > 0 {
		n = int(min(sizeHint/40, 1<<22)) + 64 // about 40 bytes per RRset in typical files
	}
	p := &parser{file: filename}
	p.shared.maxTotal = MaxZoneBytes
	p.runs = make([]RRset, 0, n)
	p.runPos = make([]filePos, 0, n)
	if origin != "" {
		p.origin = strings.ToLower(dns.Fqdn(origin))
	}
	p.fsys = &includeFS{names: map[string]string{}, shared: &p.shared}
	return p
}

// sizeOf guesses how many bytes r holds, for pre-sizing; 0 if unknown.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return int64(v.Len())
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
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
		if _, ok := dns.IsDomainName(p.origin); !ok || strings.ContainsAny(p.origin, " \t\r\n;()\"") {
			p.errs.add(Pos{File: p.file}, "bad origin %q", p.origin)
			return nil, p.errs.err()
		}
	}
	zp := dns.NewZoneParser(main, p.origin, parserName)
	zp.SetIncludeAllowed(true)
	zp.SetIncludeFS(p.fsys)
	// miekg gives a record without TTL, before any $TTL or TTL, TTL 0 when its line carries a
	// class (FACTS.md); with this sentinel as the default such records are recognised in add.
	zp.SetDefaultTTL(noTTL)

	last := 0
	var lastTracker *tracker
	var fileID int32
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		t := p.shared.cur
		if t == nil {
			t = main
		}
		if t != lastTracker {
			last, lastTracker = 0, t
			fileID = p.lines.fileID(t.file)
		}
		var raw []byte
		last, raw = t.next(last)
		p.add(rr, filePos{file: fileID, line: int32(last)}, raw)
	}
	if l := p.shared.limit; l != nil {
		p.errs.errs = append(p.errs.errs, &Error{File: l.file, Line: l.line, Msg: l.msg})
		return nil, p.errs.err()
	}
	if err := zp.Err(); err != nil {
		// The parser stops at its first syntax error; checks that need the whole zone
		// would only report noise, so only the per-record problems found so far remain.
		e := fromParseError(err, p.fsys.names, p.file)
		if t := p.shared.cur; t != nil && t.file == e.File && e.Line > 0 {
			e.Line = t.realLine(e.Line) // miekg counted the lines $GENERATE expanded to
		}
		p.errs.errs = append(p.errs.errs, e)
		return nil, p.errs.err()
	}

	if p.origin == "" {
		p.origin = p.firstSOA
		if p.origin == "" && main.origin != "" {
			if n, ok := absName(main.origin); ok {
				p.origin = n
			}
		}
		if p.origin == "" && len(p.runs) > 0 {
			p.errs.add(Pos{File: p.file}, "no origin: the file has neither an SOA nor $ORIGIN, and none was given")
			return nil, p.errs.err()
		}
	}
	z := &Zone{Origin: p.origin, RRsets: p.group(), lines: &p.lines}
	p.validate(z)
	z.Warnings = p.warns.sorted()
	if err := p.errs.err(); err != nil {
		return nil, err
	}
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

// pos is where RRset k was first seen.
func (p *parser) pos(k Key) Pos { return p.lines.at(k) }

func (p *parser) where(fp filePos) Pos { return p.lines.get(fp) }

// add checks one record on its own and appends it to the current run of records with the
// same key, or starts a new run. Runs are merged into RRsets by group.
func (p *parser) add(rr dns.RR, fp filePos, raw []byte) {
	if p.shared.limit != nil {
		return // cut short by a bound of the input: only that is reported
	}
	h := rr.Header()
	if !p.ttl(rr, fp) {
		return
	}
	if h.Class != dns.ClassINET {
		p.errs.add(p.where(fp), "class %s is not supported (only IN)", dns.Class(h.Class))
		return
	}
	if metaType(h.Rrtype) {
		p.errs.add(p.where(fp), "type %s cannot appear in a zone", TypeString(h.Rrtype))
		return
	}
	if !ttlOK(h.Ttl) {
		p.errs.add(p.where(fp), "TTL %d is over the maximum %d (RFC 2181)", h.Ttl, MaxTTL)
		return
	}
	name := CanonicalName(h.Name) // miekg returns absolute names
	if !readableName(name) {
		p.errs.add(p.where(fp), "owner %q is not a valid name: write bytes outside UTF-8 as \\DDD escapes", name)
		return
	}
	if h.Rrtype == dns.TypeSOA && p.firstSOA == "" {
		p.firstSOA = name
	}
	if msg := refused(rr, raw); msg != "" {
		p.errs.add(p.where(fp), "%s", msg)
		return
	}
	v := CanonicalValue(rr)
	// miekg accepts empty RDATA, meant for dynamic updates; an APL of no items is data.
	if v == "" || v == p.emptyValue(rr) && h.Rrtype != dns.TypeAPL {
		p.errs.add(p.where(fp), "%s record without data", TypeString(h.Rrtype))
		return
	}
	if !rereads(name, rr, v) {
		p.errs.add(p.where(fp), "%s record %q does not read back as miekg/dns prints it; check its syntax",
			TypeString(h.Rrtype), v)
		return
	}
	if n := len(p.runs); n > 0 && p.runs[n-1].Type == h.Rrtype && p.runs[n-1].Name == name {
		p.merge(&p.runs[n-1], p.runPos[n-1], h.Ttl, []string{v}, fp)
		return
	}
	if len(p.vals) == 0 {
		p.vals = make([]string, 1024)
	}
	vals := p.vals[:1:1] // appending a second value reallocates
	p.vals = p.vals[1:]
	vals[0] = v
	p.runs = append(p.runs, RRset{Name: name, Type: h.Rrtype, TTL: h.Ttl, Values: vals})
	p.runPos = append(p.runPos, fp)
}

// emptyValue is how a record of rr's type with no RDATA (a zero struct, which miekg returns
// for "name TYPE" with nothing after it) prints.
func (p *parser) emptyValue(rr dns.RR) string {
	h := rr.Header()
	if v, ok := p.empty[h.Rrtype]; ok {
		return v
	}
	v := "\x00" // matches nothing
	if newFn, ok := dns.TypeToRR[h.Rrtype]; ok {
		zero := newFn()
		*zero.Header() = *h
		v = CanonicalValue(zero)
	}
	if p.empty == nil {
		p.empty = map[uint16]string{}
	}
	p.empty[h.Rrtype] = v
	return v
}

// rereads reports whether the canonical value v of rr, written as Render writes it and
// followed by another record, parses back to itself, so that a rendered zone reads back
// equal. miekg/dns accepts some odd inputs that it then prints in a form it cannot read (an
// SSHFP without fingerprint swallows the next line). The check is skipped for the common
// types whose printing is simple.
func rereads(name string, rr dns.RR, v string) bool {
	h := rr.Header()
	switch v := rr.(type) {
	case *dns.A, *dns.AAAA, *dns.TXT: // empty values are caught before
		return true
	case *dns.CNAME:
		return readableName(v.Target)
	case *dns.NS:
		return readableName(v.Ns)
	case *dns.PTR:
		return readableName(v.Ptr)
	case *dns.MX:
		return v.Mx != "" && readableName(v.Mx)
	case *dns.SRV:
		return v.Target != "" && readableName(v.Target)
	}
	const sentinel = "twinzone-sentinel."
	text := name + "\t" + itoa(h.Ttl) + "\tIN\t" + TypeString(h.Rrtype) + "\t" + v + "\n" +
		sentinel + "\t0\tIN\tTXT\t\"s\"\n"
	zp := dns.NewZoneParser(strings.NewReader(text), "", "")
	first, ok := zp.Next()
	if !ok || first.Header().Rrtype != h.Rrtype || CanonicalValue(first) != v {
		return false
	}
	second, ok := zp.Next()
	if !ok || second.Header().Name != sentinel {
		return false
	}
	_, more := zp.Next()
	return !more && zp.Err() == nil
}

// readableName reports whether a name reads back as the same name once printed. miekg/dns
// keeps raw bytes that are not UTF-8 as they are, but prints each as U+FFFD (\239\191\189),
// which is other data and can overflow the 63-byte label limit (found by FuzzParse); write
// such bytes as \DDD escapes instead.
func readableName(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	_, ok := dns.IsDomainName(name)
	return ok
}

// merge adds the values of a later run (read at fp) to s, first read at first.
func (p *parser) merge(s *RRset, first filePos, ttl uint32, vals []string, fp filePos) {
	if ttl != s.TTL && s.Type == dns.TypeRRSIG {
		// Each RRSIG carries the TTL of the RRset it covers (RFC 4034 3): the RRSIGs of one
		// owner differ normally. twinzone never writes them; the RRset keeps the lowest.
		s.TTL = min(s.TTL, ttl)
	} else if ttl != s.TTL {
		pos := p.where(fp)
		p.errs.add(pos, "TTL %d differs from TTL %d of the same RRset %s at %s (RFC 2181 5.2)",
			ttl, s.TTL, s.Key(), at(pos, p.where(first)))
		return
	}
	switch s.Type {
	case dns.TypeCNAME, dns.TypeSOA, dns.TypeDNAME:
		for _, v := range vals {
			if !slices.Contains(s.Values, v) {
				pos := p.where(fp)
				p.errs.add(pos, "a second %s at %s (first at %s); a name holds only one",
					TypeString(s.Type), s.Name, at(pos, p.where(first)))
				return
			}
		}
		return // identical records: merged
	}
	s.Values = append(s.Values, vals...)
}
