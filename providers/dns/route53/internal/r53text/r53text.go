// Package r53text converts owner names and record values between twinzone's canonical
// presentation format (miekg/dns: RFC 1035 decimal escapes \DDD) and the text Route 53 speaks
// (octal escapes \ooo, "*" listed as \052, characters other than a-z 0-9 - _ escaped).
package r53text

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Labels splits a presentation-format name (with \ooo octal escapes when octal is true, RFC
// 1035 \DDD decimal escapes otherwise, and \c for a literal c) into raw label bytes, lowering
// ASCII letters. The root name has no labels.
func Labels(name string, octal bool) ([][]byte, error) {
	if name == "" || name == "." {
		return nil, nil
	}
	var labels [][]byte
	var cur []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\':
			if b, n, ok := escaped(name[i+1:], octal); ok {
				cur = append(cur, b)
				i += n
				continue
			}
			if i+1 >= len(name) {
				return nil, fmt.Errorf("name %q ends in a backslash", name)
			}
			i++
			cur = append(cur, name[i])
		case c == '.':
			if len(cur) == 0 {
				return nil, fmt.Errorf("name %q has an empty label", name)
			}
			labels = append(labels, cur)
			cur = nil
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		labels = append(labels, cur)
	}
	for _, l := range labels {
		if len(l) > 63 {
			return nil, fmt.Errorf("name %q has a label longer than 63 bytes", name)
		}
		for j, b := range l {
			if b >= 'A' && b <= 'Z' {
				l[j] = b + 'a' - 'A'
			}
		}
	}
	return labels, nil
}

// escaped decodes a three-digit escape at the start of s.
func escaped(s string, octal bool) (byte, int, bool) {
	if len(s) < 3 {
		return 0, 0, false
	}
	base, max := 10, byte('9')
	if octal {
		base, max = 8, '7'
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > max {
			return 0, 0, false
		}
	}
	n, err := strconv.ParseUint(s[:3], base, 16)
	if err != nil || n > 255 {
		return 0, 0, false
	}
	return byte(n), 3, true
}

// R53Name renders labels the way Route 53 lists names: a-z 0-9 - _ as is, every other byte
// as a three-digit octal escape (so a wildcard label is \052), with a trailing dot.
func R53Name(labels [][]byte) string {
	if len(labels) == 0 {
		return "."
	}
	var b strings.Builder
	for _, l := range labels {
		for _, c := range l {
			if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "\\%03o", c)
			}
		}
		b.WriteByte('.')
	}
	return b.String()
}

// ToR53Name converts a canonical owner name into the form twinzone sends to Route 53: like
// R53Name, except that a wildcard label is sent as a plain "*".
func ToR53Name(name string) (string, error) {
	labels, err := Labels(name, false)
	if err != nil {
		return "", err
	}
	s := R53Name(labels)
	if strings.HasPrefix(s, `\052.`) {
		s = "*" + s[4:]
	}
	return s, nil
}

// FromR53Name converts a name as Route 53 lists it into canonical form: absolute, lower-case,
// escaped the way miekg/dns prints names.
func FromR53Name(name string) (string, error) {
	labels, err := Labels(name, true)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 0, 256)
	for _, l := range labels {
		buf = append(buf, byte(len(l)))
		buf = append(buf, l...)
	}
	buf = append(buf, 0)
	if len(buf) > 255 {
		return "", fmt.Errorf("name %q is longer than 255 bytes", name)
	}
	s, _, err := dns.UnpackDomainName(buf, 0)
	if err != nil {
		return "", fmt.Errorf("name %q: %w", name, err)
	}
	return s, nil
}

// convertEscapes rewrites every three-digit escape in s from one base to the other; other
// escapes (\" \\ \c) are kept as they are.
func convertEscapes(s string, fromOctal bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if c, n, ok := escaped(s[i+1:], fromOctal); ok {
			if fromOctal {
				fmt.Fprintf(&b, "\\%03d", c)
			} else {
				fmt.Fprintf(&b, "\\%03o", c)
			}
			i += n
			continue
		}
		b.WriteByte('\\')
		if i+1 < len(s) {
			i++
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ToR53Value converts a canonical value (decimal escapes) into Route 53's form (octal).
func ToR53Value(v string) string { return convertEscapes(v, false) }

// FromR53Value converts a Route 53 value (octal escapes) into presentation format with
// decimal escapes, ready for miekg/dns to parse.
func FromR53Value(v string) string { return convertEscapes(v, true) }
