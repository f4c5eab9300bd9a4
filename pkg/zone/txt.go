package zone

import "strings"

// TXT presentation format, written once for every part of twinzone: the zone parser, the
// plan's canonical form, and the providers that hold TXT data as one unquoted text (libdns,
// Cloudflare's content field). A canonical TXT value is its character-strings, each quoted,
// separated by one space; '"' and '\' are escaped with a backslash, bytes outside printable
// ASCII as \DDD: what miekg/dns prints for records it unpacked from the wire, and what BIND
// and Knot print.

// MaxTXTString is the most bytes one character-string holds (RFC 1035 3.3).
const MaxTXTString = 255

// AppendTXTString appends s (raw bytes) as one quoted, escaped character-string.
func AppendTXTString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c > '~':
			b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// QuoteTXT is the canonical value of the character-strings strs (raw bytes); `""` for none.
func QuoteTXT(strs []string) string {
	if len(strs) == 0 {
		return `""`
	}
	n := 0
	for _, s := range strs {
		n += len(s) + 3
	}
	b := make([]byte, 0, n+8)
	for i, s := range strs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = AppendTXTString(b, s)
	}
	return string(b)
}

// SplitTXT cuts text (raw bytes, as libdns and Cloudflare hold it) into character-strings of
// MaxTXTString bytes; an empty text is one empty string.
func SplitTXT(text string) []string {
	if text == "" {
		return []string{""}
	}
	out := make([]string, 0, (len(text)+MaxTXTString-1)/MaxTXTString)
	for i := 0; i < len(text); i += MaxTXTString {
		out = append(out, text[i:min(i+MaxTXTString, len(text))])
	}
	return out
}

// TextToTXT is the canonical value of one unquoted text: SplitTXT, then QuoteTXT.
func TextToTXT(text string) string { return QuoteTXT(SplitTXT(text)) }

// UnescapeTXT decodes the \DDD and \X escapes of one character-string as miekg/dns holds it in
// dns.TXT.Txt (escapes kept, quotes removed).
func UnescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if n, ok := ddd(s, i+1); ok {
			b = append(b, n)
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

// ddd decodes a \DDD escape whose digits start at s[i].
func ddd(s string, i int) (byte, bool) {
	if i+2 >= len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) || !isDigit(s[i+2]) {
		return 0, false
	}
	n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
	return byte(n), n <= 255
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// DecodeTXT returns the character-strings of a presentation value, decoded to raw bytes:
// quoted strings, and unquoted runs separated by white space.
func DecodeTXT(v string) []string {
	var out []string
	var cur []byte
	in, open := false, false
	end := func() {
		out = append(out, string(cur))
		cur, open = cur[:0], false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			if in || open {
				end()
			}
			in = !in
		case !in && (c == ' ' || c == '\t'):
			if open {
				end()
			}
		case c == '\\' && i+1 < len(v):
			open = open || !in
			if n, ok := ddd(v, i+1); ok {
				cur = append(cur, n)
				i += 3
				continue
			}
			cur = append(cur, v[i+1])
			i++
		default:
			open = open || !in
			cur = append(cur, c)
		}
	}
	if in || open {
		out = append(out, string(cur))
	}
	return out
}

// CanonicalTXT returns a TXT value in canonical form. Every character-string stays its own
// string (boundaries carry meaning: DNS-SD stores one key=value pair per string); only a
// string over MaxTXTString bytes, which a provider may hand back from a single content field,
// is split. Values that differ only in quoting or escapes get the same form.
func CanonicalTXT(v string) string {
	if isCanonicalTXT(v) {
		return v
	}
	var strs []string
	for _, s := range DecodeTXT(v) {
		strs = append(strs, SplitTXT(s)...)
	}
	return QuoteTXT(strs)
}

// isCanonicalTXT is the allocation-free fast path: quoted strings of plain printable bytes,
// at most 255 each, separated by one space.
func isCanonicalTXT(v string) bool {
	n := 0 // bytes in the current string
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case !in && c == '"':
			if i > 0 && v[i-1] != ' ' {
				return false
			}
			in, n = true, 0
		case !in && c == ' ':
			if i == 0 || v[i-1] != '"' {
				return false
			}
		case !in:
			return false
		case c == '"':
			in = false
		case c == '\\' || c < ' ' || c > '~':
			return false
		default:
			n++
			if n > MaxTXTString {
				return false
			}
		}
	}
	return !in && len(v) >= 2 && v[len(v)-1] == '"'
}

// txtValue is the canonical value of a parsed TXT or SPF record.
func txtValue(txt []string) string {
	if len(txt) == 0 {
		return "" // no RDATA at all (miekg reads "name TXT" for dynamic updates)
	}
	plain := true
	for _, t := range txt {
		if strings.IndexByte(t, '\\') >= 0 || !printable(t) {
			plain = false
			break
		}
	}
	if plain {
		return QuoteTXT(txt) // nothing to escape but '"', which QuoteTXT escapes
	}
	raw := make([]string, len(txt))
	for i, t := range txt {
		raw[i] = UnescapeTXT(t)
	}
	return QuoteTXT(raw)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}
