package zone

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// MaxErrors is how many problems Parse reports before it adds "and N more" and stops listing.
const MaxErrors = 20

// Error is one problem in a zone file, at a file and line. Parse returns every Error it
// found joined with errors.Join; use errors.As to get the first, or unwrap the join
// (interface{ Unwrap() []error }) to get them all.
type Error struct {
	File string // as the caller named it (ParseFile's path, Parse's filename); "" if none
	Line int    // 1-based; 0 when the problem is about the whole file
	Msg  string
}

// Error is "file:line: msg".
func (e *Error) Error() string {
	switch {
	case e.File == "" && e.Line <= 0:
		return e.Msg
	case e.File == "":
		return "line " + strconv.Itoa(e.Line) + ": " + e.Msg
	case e.Line <= 0:
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// errorList collects problems in file order and caps how many are reported.
type errorList struct {
	errs []*Error
}

func (l *errorList) add(p Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: p.File, Line: p.Line, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the problems sorted by file and line.
func (l *errorList) sorted() []*Error {
	slices.SortStableFunc(l.errs, func(a, b *Error) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	return l.errs
}

// err returns nil or all problems sorted by file and line, joined, at most MaxErrors of them.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	l.sorted()
	n := min(len(l.errs), MaxErrors)
	out := make([]error, 0, n+1)
	for _, e := range l.errs[:n] {
		out = append(out, e)
	}
	if more := len(l.errs) - n; more > 0 {
		out = append(out, fmt.Errorf("... and %d more problems", more))
	}
	return errors.Join(out...)
}

// fromParseError turns a miekg/dns parse error into an *Error. miekg's ParseError keeps its
// file and line private, so they are read back from its text:
// "FILE: dns: MSG: "TOKEN" at line: L:C". names maps the file names miekg was given to the
// names the caller used.
func fromParseError(err error, names map[string]string, mainFile string) *Error {
	var inc *includeError
	s := err.Error()
	e := &Error{File: mainFile}
	longest := -1
	for name, display := range names {
		if name != "" && len(name) > longest && strings.HasPrefix(s, name+": ") {
			longest, e.File = len(name), display
		}
	}
	if longest >= 0 {
		s = s[longest+2:]
	}
	s = strings.TrimPrefix(s, "dns: ")
	if i := strings.LastIndex(s, " at line: "); i >= 0 {
		pos := s[i+len(" at line: "):]
		if j := strings.IndexByte(pos, ':'); j >= 0 {
			pos = pos[:j]
		}
		if n, aerr := strconv.Atoi(pos); aerr == nil {
			e.Line = n
			s = s[:i]
		}
	}
	if errors.As(err, &inc) {
		s = inc.msg
	}
	e.Msg = s
	return e
}

// ttlOK reports whether a TTL is within RFC 2181 8 (at most 2^31-1).
func ttlOK(ttl uint32) bool { return ttl <= MaxTTL }

// MaxTTL is the largest TTL a zone may hold (RFC 2181 8).
const MaxTTL = 1<<31 - 1

// metaType reports types that only exist in messages, never in zone data: 0, OPT, and the
// range 128-255 of query and meta types (TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY; RFC 6895 3.1).
func metaType(t uint16) bool {
	return t == dns.TypeNone || t == dns.TypeOPT || (t >= 128 && t <= 255)
}

// at names where other is, seen from a problem at p: "line N" in the same file, else
// "file:N".
func at(p, other Pos) string {
	if p.File == other.File && other.Line > 0 {
		return "line " + strconv.Itoa(other.Line)
	}
	return other.String()
}
