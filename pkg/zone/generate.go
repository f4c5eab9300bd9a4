package zone

import (
	"fmt"
	"strconv"
	"strings"
)

// $GENERATE is expanded here, as BIND expands it, rather than by miekg/dns, which gives the
// records TTL 3600 instead of $TTL, knows no nibble modifier, drops the quotes of a quoted
// template and counts the generated lines in its error positions. The tracker hands miekg
// the generated records as ordinary lines (see tracker.generate); they keep the line of the
// $GENERATE.

// MaxGenerate bounds the records one $GENERATE line makes.
const MaxGenerate = 1 << 20

// expandGenerate turns the text of a $GENERATE line after the directive name into master
// file lines, one per record: "owner [ttl] [class] type rdata\n". The syntax is BIND's:
// range (start-stop[/step]), owner template, optional TTL and class (either order), type,
// and the RDATA template as one token (quote it when it holds blanks; the quotes are not part
// of the RDATA, so a quoted TXT template makes one character-string per word, as in BIND).
func expandGenerate(line string) ([]byte, error) {
	toks, err := generateTokens(line)
	if err != nil {
		return nil, err
	}
	if len(toks) < 4 {
		return nil, fmt.Errorf("$GENERATE needs a range, an owner, a type and RDATA")
	}
	start, stop, step, err := generateRange(toks[0])
	if err != nil {
		return nil, err
	}
	lhs, rest := toks[1], toks[2:]
	var mid []string // TTL and class, as written
	for len(rest) > 2 && len(mid) < 2 && (isTTL(rest[0]) || strings.EqualFold(rest[0], "IN")) {
		mid, rest = append(mid, rest[0]), rest[1:]
	}
	if len(rest) != 2 {
		return nil, fmt.Errorf("$GENERATE: after the type %q comes one RDATA template (quote it when it holds blanks), not %d", rest[0], len(rest)-1)
	}
	typ, rhs := rest[0], rest[1]
	if (stop-start)/step >= MaxGenerate {
		return nil, fmt.Errorf("$GENERATE range %s makes more than %d records", toks[0], MaxGenerate)
	}
	var out []byte
	for i := start; i <= stop; i += step {
		owner, err := genName(lhs, i)
		if err != nil {
			return nil, err
		}
		rdata, err := genName(rhs, i)
		if err != nil {
			return nil, err
		}
		out = append(out, owner...)
		for _, m := range mid {
			out = append(out, ' ')
			out = append(out, m...)
		}
		out = append(out, ' ')
		out = append(out, typ...)
		out = append(out, ' ')
		out = append(out, rdata...)
		out = append(out, '\n')
	}
	return out, nil
}

func isTTL(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; !isDigit(s[i]) && c != 's' && c != 'm' && c != 'h' && c != 'd' && c != 'w' {
			return false
		}
	}
	return isDigit(s[0])
}

// generateTokens splits a $GENERATE line into tokens: blanks separate them, a quoted string
// is one token without its quotes (escapes kept), ';' starts a comment.
func generateTokens(line string) ([]string, error) {
	var toks []string
	var cur []byte
	in, open := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			cur, open = append(cur, c, line[i+1]), true
			i++
		case c == '"':
			in, open = !in, true
		case in:
			cur = append(cur, c)
		case c == ';':
			i = len(line)
		case c == '(' || c == ')':
			return nil, fmt.Errorf("$GENERATE: parentheses are not supported; write the directive on one line")
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if open {
				toks, cur, open = append(toks, string(cur)), nil, false
			}
		default:
			cur, open = append(cur, c), true
		}
	}
	if in {
		return nil, fmt.Errorf("$GENERATE: unterminated quoted string")
	}
	if open {
		toks = append(toks, string(cur))
	}
	return toks, nil
}

// generateRange parses start-stop[/step] as BIND does: non-negative, stop not below start,
// step at least 1.
func generateRange(s string) (start, stop, step int, err error) {
	bad := fmt.Errorf("$GENERATE: invalid range %q: want start-stop or start-stop/step", s)
	r, st, hasStep := strings.Cut(s, "/")
	a, b, ok := strings.Cut(r, "-")
	if !ok {
		return 0, 0, 0, bad
	}
	if start, err = strconv.Atoi(a); err != nil || start < 0 {
		return 0, 0, 0, bad
	}
	if stop, err = strconv.Atoi(b); err != nil || stop < start {
		return 0, 0, 0, bad
	}
	step = 1
	if hasStep {
		if step, err = strconv.Atoi(st); err != nil || step < 1 {
			return 0, 0, 0, bad
		}
	}
	return start, stop, step, nil
}

// genName substitutes the iterator into a template as BIND's genname does: "$" is the value,
// "$$" a literal '$', "${offset[,width[,base]]}" the value plus offset, zero-padded to width,
// in base d, o, x, X, or n/N (nibbles, least significant first, dot-separated, as in
// ip6.arpa names). A backslash and the byte after it are copied as they are.
func genName(tmpl string, it int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && i+1 < len(tmpl):
			b.WriteByte(c)
			b.WriteByte(tmpl[i+1])
			i++
		case c != '$':
			b.WriteByte(c)
		case i+1 < len(tmpl) && tmpl[i+1] == '$':
			b.WriteByte('$')
			i++
		case i+1 < len(tmpl) && tmpl[i+1] == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("$GENERATE: modifier %q has no closing brace", tmpl[i:])
			}
			s, err := modifier(tmpl[i+2:i+end], it)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i += end
		default:
			b.WriteString(strconv.Itoa(it))
		}
	}
	return b.String(), nil
}

// modifier formats the iterator for "offset[,width[,base]]".
func modifier(spec string, it int) (string, error) {
	bad := fmt.Errorf("$GENERATE: bad modifier ${%s}: want ${offset[,width[,base]]} with base d, o, x, X, n or N", spec)
	f := strings.Split(spec, ",")
	if len(f) > 3 {
		return "", bad
	}
	off, err := strconv.Atoi(f[0])
	if err != nil {
		return "", bad
	}
	v := it + off // a negative value prints as C's printf prints an int: %d signed, else unsigned
	u := uint(uint32(int32(v)))
	width, base := 0, "d"
	if len(f) > 1 {
		if width, err = strconv.Atoi(f[1]); err != nil || width < 0 || width > 255 {
			return "", bad
		}
	}
	if len(f) > 2 {
		base = f[2]
	}
	switch base {
	case "d":
		return fmt.Sprintf("%0*d", width, v), nil
	case "o":
		return fmt.Sprintf("%0*o", width, u), nil
	case "x":
		return fmt.Sprintf("%0*x", width, u), nil
	case "X":
		return fmt.Sprintf("%0*X", width, u), nil
	case "n", "N":
		return nibbles(u, width, base == "N"), nil
	}
	return "", bad
}

// nibbles is BIND's nibble format: hex digits from the least significant, each followed by a
// dot while more digits follow or the width (counted in characters, dots included) is not
// reached.
func nibbles(v uint, width int, upper bool) string {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	var b strings.Builder
	for {
		b.WriteByte(digits[v&0xf])
		v >>= 4
		if width > 0 {
			width--
		}
		if width > 0 || v != 0 {
			b.WriteByte('.')
			if width > 0 {
				width--
			}
		}
		if v == 0 && width == 0 {
			return b.String()
		}
	}
}
