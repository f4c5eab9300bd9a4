package zone

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// isGenerate reports whether the input after a '$' at the start of a line is "GENERATE"
// and a blank.
func (t *tracker) isGenerate() bool {
	const word = "GENERATE"
	if t.wr-t.rd < len(word)+1 {
		n := copy(t.buf, t.buf[t.rd:t.wr])
		t.rd, t.wr = 0, n
		for t.wr < len(word)+1 && t.err == nil {
			m, err := t.r.Read(t.buf[t.wr:])
			t.wr += m
			if err != nil {
				t.err = err
			}
		}
		if t.wr < len(word)+1 {
			return false
		}
	}
	b := t.buf[t.rd : t.rd+len(word)+1]
	return strings.EqualFold(string(b[:len(word)]), word) && (b[len(word)] == ' ' || b[len(word)] == '\t')
}

// expand reads the rest of a $GENERATE line and makes its records the next input.
func (t *tracker) expand() error {
	var line []byte
	for {
		if t.rd >= t.wr && !t.fill() {
			if t.err != io.EOF {
				return t.err
			}
			break
		}
		c := t.buf[t.rd]
		t.rd++
		if err := t.count(c); err != nil {
			return err
		}
		if c == '\n' {
			break
		}
		line = append(line, c)
	}
	out, err := expandGenerate(string(line[len("GENERATE"):]))
	if err != nil {
		t.err = &limitError{t.file, t.line, err.Error()}
		t.shared.limit = t.err.(*limitError)
		return t.err
	}
	t.synth, t.synthPos, t.genLine, t.genLines = out, 0, t.line, 1
	t.segs = append(t.segs, genSpan{t.line, strings.Count(string(out), "\n"), 1})
	return nil
}

// rewrite looks at the line about to be read: a record of a type miekg/dns cannot read as
// written (rewriteTypes) is replaced by the form rewriteRecord makes. It reports whether it
// replaced one. Records that do not fit the buffer are left to miekg.
func (t *tracker) rewrite() (bool, error) {
	end := t.lineEnd(t.rd)
	if end < 0 {
		return false, nil
	}
	typ := recordType(t.buf[t.rd:end])
	if !rewriteTypes[typ] {
		return false, nil
	}
	for depth := parens(t.buf[t.rd:end]); depth > 0 && end < t.wr; depth = parens(t.buf[t.rd:end]) {
		if end = t.lineEnd(end + 1); end < 0 {
			return false, nil
		}
	}
	text := string(t.buf[t.rd:end])
	out, err := rewriteRecord(text)
	if err != nil {
		t.err = &limitError{t.file, t.line, typ + " record: " + err.Error()}
		t.shared.limit = t.err.(*limitError)
		return false, t.err
	}
	if out == "" {
		return false, nil
	}
	replaced := strings.Count(text, "\n") + 1
	for ; t.rd <= end && t.rd < t.wr; t.rd++ { // the record and its newline
		if err := t.count(t.buf[t.rd]); err != nil {
			return false, err
		}
	}
	t.synth, t.synthPos, t.genLine, t.genLines = []byte(out), 0, t.line, replaced
	t.segs = append(t.segs, genSpan{t.line, 1, replaced})
	return true, nil
}

// lineEnd returns the index in t.buf of the newline ending the line that starts at from,
// reading more input when needed (keeping t.buf[t.rd:]); len(t.buf[:t.wr]) when the input
// ends first; -1 when the line does not fit the buffer.
func (t *tracker) lineEnd(from int) int {
	for {
		if from >= t.wr && t.err != nil {
			return t.wr
		}
		if i := bytes.IndexByte(t.buf[from:t.wr], '\n'); i >= 0 {
			return from + i
		}
		if t.err != nil {
			return t.wr
		}
		if t.rd > 0 { // make room: keep the unread part at the front
			n := copy(t.buf, t.buf[t.rd:t.wr])
			from -= t.rd
			t.rd, t.wr = 0, n
		}
		if t.wr == len(t.buf) {
			return -1
		}
		m, err := t.r.Read(t.buf[t.wr:])
		t.wr += m
		if err != nil {
			t.err = err
		}
	}
}

// parens is the depth of unclosed parentheses in a record's text, outside quotes and
// comments.
func parens(b []byte) int {
	depth, in := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\':
			i++
		case c == '"':
			in = !in
		case in:
		case c == ';':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		}
	}
	return depth
}

// synthByte serves the next byte of an expanded $GENERATE: records found in it start on the
// $GENERATE's line, which is left (counted) after its last byte.
func (t *tracker) synthByte() byte {
	c := t.synth[t.synthPos]
	t.synthPos++
	if t.shared.cur != t {
		t.shared.cur = t
	}
	if t.state == stFound {
		if len(t.raw) < 4*MaxLineBytes {
			t.raw = append(t.raw, c)
		}
	} else {
		t.scan(c)
		if t.state == stFound {
			t.raw = append(t.raw[:0], c)
		}
	}
	t.line = t.genLine
	if t.synthPos == len(t.synth) {
		t.synth, t.synthPos = nil, 0
		t.line = t.genLine + t.genLines
		t.mid = false
	}
	return c
}

// realLine maps a line number miekg counted, which includes the lines $GENERATE expanded
// to, back to the file's line; a line inside an expansion is the $GENERATE's.
func (t *tracker) realLine(l int) int {
	shift := 0
	for _, g := range t.segs {
		start := g.line + shift
		if l < start {
			break
		}
		if l < start+g.lines {
			return g.line
		}
		shift += g.lines - g.replaced
	}
	return l - shift
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

// includeError is why an $INCLUDE was refused or failed; miekg wraps it in its ParseError.
type includeError struct{ msg string }

func (e *includeError) Error() string { return e.msg }

// includeFS serves $INCLUDE files to miekg's parser. It opens only files inside root (the
// zone file's folder, symlinks resolved) and wraps each in a tracker. miekg hands it slash
// paths made absolute from the zone file's absolute name, without the leading slash.
type includeFS struct {
	root    string            // absolute, symlinks resolved; "" when includes are impossible
	lexRoot string            // absolute, as named
	display string            // folder of the zone file as the caller named it
	names   map[string]string // name given to miekg -> display name
	shared  *trackers
}

func (f *includeFS) Open(name string) (fs.File, error) {
	if f.root == "" {
		return nil, &includeError{"$INCLUDE needs a zone file name to resolve paths against"}
	}
	p := filepath.FromSlash("/" + name)
	if !inside(f.lexRoot, p) { // the path as written
		return nil, &includeError{fmt.Sprintf("$INCLUDE of %s is outside the zone file's folder", f.describe(p))}
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": " + errText(err)}
	}
	if !inside(f.root, real) { // where its symlinks lead
		return nil, &includeError{fmt.Sprintf("$INCLUDE of %s leads outside the zone file's folder", f.describe(p))}
	}
	rel, _ := filepath.Rel(f.root, real)
	file, err := os.Open(real)
	if err != nil {
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": " + errText(err)}
	}
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		file.Close()
		return nil, &includeError{"$INCLUDE: " + f.describe(p) + ": not a regular file"}
	}
	disp := filepath.Join(f.display, rel)
	f.names[name] = disp
	return &includedFile{tracker: newTracker(file, disp, f.shared), f: file}, nil
}

// inside reports whether p is in the folder root or below it.
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// describe names an include target for messages: relative to the zone file's folder when
// possible, so that errors do not print the machine's absolute paths.
func (f *includeFS) describe(p string) string {
	if rel, err := filepath.Rel(f.lexRoot, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(f.display, rel)
	}
	return p
}

func errText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// includedFile is an fs.File whose reads go through a tracker.
type includedFile struct {
	*tracker
	f *os.File
}

func (i *includedFile) Stat() (fs.FileInfo, error) { return i.f.Stat() }
func (i *includedFile) Close() error               { return i.f.Close() }
