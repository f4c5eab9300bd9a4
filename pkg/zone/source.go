package zone

import (
	"fmt"
	"io"
	"strings"
)

// miekg/dns does not tell on which line a record starts. Every file the parser reads goes
// through a tracker: an io.ByteReader (so miekg's lexer reads it directly, unbuffered) that
// counts lines and remembers the line of the first significant byte after the last record.
// miekg's lexer never reads past the newline that ends a record, so when ZoneParser.Next
// returns, the tracker that read last is positioned at the start of the next line.

type trackState uint8

const (
	stLineStart trackState = iota // at the start of a line, nothing significant seen yet
	stBlank                       // blanks at the start of a line
	stComment                     // inside a comment, before any record text
	stDollar                      // just read '$' at the start of a line
	stDirective                   // inside a $TTL/$ORIGIN/$INCLUDE line
	stFound                       // the next record has started: only count lines
)

// trackers is the state shared by the trackers of one parse (the zone file and its includes).
type trackers struct {
	cur      *tracker // the tracker that read the latest byte
	total    int64    // bytes read from every file of the parse
	maxTotal int64    // MaxZoneBytes; tests lower it
	limit    *limitError
}

// MaxLineBytes and MaxZoneBytes bound what Parse reads, so that a runaway file (a 1 GB line,
// an endless $INCLUDE chain) is a clear error instead of gigabytes of memory. The longest
// legal record (65,535 bytes of RDATA, each byte written as a 4-byte \DDD escape) fits a line.
const (
	MaxLineBytes = 1 << 20
	MaxZoneBytes = 2 << 30 // the zone file and its $INCLUDE files together
)

// limitError is a bound of the input that was exceeded, or a $GENERATE that cannot be
// expanded; the parse stops there.
type limitError struct {
	file string
	line int
	msg  string
}

func (e *limitError) Error() string { return e.msg }

type tracker struct {
	r      io.Reader
	buf    []byte
	rd, wr int // read and write offsets in buf
	err    error
	file   string // display name
	line   int    // current line, 1-based
	start  int    // line where the next record starts (valid in stFound)
	state  trackState
	shared *trackers

	dir    []byte // the directive being read, when directives are captured
	origin string // the first $ORIGIN of this file, when captured
	keep   bool   // capture $ORIGIN

	lineLen  int    // bytes since the last newline
	raw      []byte // the text of the record being read (from its first significant byte)
	generate bool   // the record being read is a $GENERATE line

	synth    []byte // records made from input (a $GENERATE line, a record rewritten for miekg)
	synthPos int
	genLine  int       // the line they came from
	genLines int       // the input lines they replace
	segs     []genSpan // every replacement, to map miekg's line numbers back
	mid      bool      // inside a line: no rewrite is looked for
}

// genSpan is one replacement: the line it starts on, how many lines it became and how many
// input lines it replaced.
type genSpan struct{ line, lines, replaced int }

func newTracker(r io.Reader, file string, shared *trackers) *tracker {
	return &tracker{r: r, buf: make([]byte, 64<<10), file: file, line: 1, shared: shared}
}

// fill reads more input; it returns false at the end or on an error (in t.err).
func (t *tracker) fill() bool {
	for t.err == nil {
		n, err := t.r.Read(t.buf)
		t.rd, t.wr, t.err = 0, n, err
		if n > 0 {
			return true
		}
		if err == nil {
			continue // a Reader may return 0, nil; try again
		}
	}
	return false
}

// ReadByte implements io.ByteReader for miekg's lexer.
func (t *tracker) ReadByte() (byte, error) {
	if t.synthPos < len(t.synth) {
		return t.synthByte(), nil
	}
	if t.rd >= t.wr && !t.fill() {
		return 0, t.err
	}
	if !t.mid {
		t.mid = true
		if ok, err := t.rewrite(); err != nil {
			return 0, err
		} else if ok {
			return t.synthByte(), nil
		}
	}
	c := t.buf[t.rd]
	t.rd++
	if t.shared.cur != t {
		t.shared.cur = t
	}
	if err := t.count(c); err != nil {
		return 0, err
	}
	if c == '\n' {
		t.mid = false
	}
	if c == '$' && t.state == stLineStart && t.isGenerate() {
		if err := t.expand(); err != nil {
			return 0, err
		}
		return t.synthByte(), nil
	}
	if t.state == stFound {
		if c == '\n' {
			t.line++
		}
		if len(t.raw) < 4*MaxLineBytes { // a record in parentheses may span lines
			t.raw = append(t.raw, c)
		}
		return c, nil
	}
	t.scan(c)
	if t.state == stFound {
		t.raw = append(t.raw[:0], c)
	}
	return c, nil
}

// count enforces MaxLineBytes and MaxZoneBytes.
func (t *tracker) count(c byte) error {
	t.shared.total++
	if c == '\n' {
		t.lineLen = 0
	} else {
		t.lineLen++
	}
	switch {
	case t.lineLen > MaxLineBytes:
		t.err = &limitError{t.file, t.line, fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
	case t.shared.total > t.shared.maxTotal:
		t.err = &limitError{t.file, t.line, fmt.Sprintf("zone larger than %d bytes (with its $INCLUDE files)", t.shared.maxTotal)}
	default:
		return nil
	}
	t.rd = t.wr
	t.shared.limit = t.err.(*limitError)
	return t.err
}

// Read lets a tracker stand in for an io.Reader too.
func (t *tracker) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := t.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		p[n] = c
		n++
	}
	return n, nil
}

func (t *tracker) scan(c byte) {
	switch t.state {
	case stLineStart, stBlank:
		switch c {
		case '\n':
			t.line++
			t.state = stLineStart
		case ' ', '\t', '\r':
			t.state = stBlank
		case ';':
			t.state = stComment
		case '$':
			if t.state == stLineStart {
				t.state = stDollar
				return
			}
			t.found()
		default:
			t.found()
		}
	case stComment:
		if c == '\n' {
			t.line++
			t.state = stLineStart
		}
	case stDollar:
		if c == 'G' || c == 'g' { // $GENERATE makes records
			t.found()
			t.generate = true
			return
		}
		t.state = stDirective
		if t.keep {
			t.dir = append(t.dir[:0], c)
		}
		if c == '\n' {
			t.line++
			t.state = stLineStart
		}
	case stDirective:
		if c == '\n' {
			t.line++
			t.state = stLineStart
			if t.keep {
				t.directive()
			}
			return
		}
		if t.keep && len(t.dir) < 1024 {
			t.dir = append(t.dir, c)
		}
	}
}

func (t *tracker) found() {
	t.start = t.line
	t.state = stFound
	t.generate = false
}

// directive remembers the first $ORIGIN (used when the caller gives no origin).
func (t *tracker) directive() {
	s := string(t.dir)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) >= 2 && strings.EqualFold(f[0], "ORIGIN") && t.origin == "" {
		t.origin = f[1]
		t.keep = false
	}
}

// next returns where the record the parser just returned started and its text ("" for the
// second and later records of a $GENERATE line, which share its line), and resets for the
// next one. The text is valid until the next read.
func (t *tracker) next(last int) (int, []byte) {
	line, raw := last, []byte(nil)
	if t.state == stFound {
		line = t.start
		if !t.generate {
			raw = t.raw
		}
	}
	t.state = stLineStart
	t.raw = t.raw[:0]
	return line, raw
}
