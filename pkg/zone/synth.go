package zone

import (
	"bytes"
	"io"
	"strings"
)

// Input the tracker replaces before miekg/dns reads it: $GENERATE lines (expanded as BIND
// does, generate.go) and records miekg cannot read as written (rewrite.go). The replacement
// is served byte by byte in place of the input; its records keep the line they came from,
// and realLine maps the line numbers miekg counts back to the file's.

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
	typ := rewriteType(t.buf[t.rd:end])
	if typ == "" {
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
