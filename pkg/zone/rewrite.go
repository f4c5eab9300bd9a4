package zone

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Some records that BIND reads, miekg/dns cannot: it has no WKS and no NSAP type, its
// IPSECKEY reader runs into the next line (so an IPSECKEY followed by any record fails), and
// it wants NAPTR's flags, services and regexp quoted, GPOS's numbers unquoted, DNSSEC
// algorithms as numbers, an APL with at least one item and EUI48/EUI64 groups of two digits. The tracker hands such records to
// rewriteRecord before miekg sees them; they come out in a form miekg reads (RFC 3597
// "TYPEnnn \# length hex", or NAPTR with its strings quoted), on the same line.

// rewriteTypes are the types rewriteRecord handles, upper-case.
var rewriteTypes = []string{"IPSECKEY", "WKS", "NSAP", "NAPTR", "GPOS", "APL", "EUI48", "EUI64", "DNSKEY", "CDNSKEY", "KEY", "DS", "CDS", "RRSIG", "SIG"}

// algorithmField is where the DNSSEC algorithm is in the RDATA of the types that carry one;
// BIND and Knot read its mnemonic (RSASHA1, ECDSAP256SHA256), miekg/dns only the number.
var algorithmField = map[string]int{"DNSKEY": 2, "CDNSKEY": 2, "KEY": 2, "DS": 1, "CDS": 1, "RRSIG": 1, "SIG": 1}

// rewriteType returns the type of a record line (owner, TTL and class skipped) when it is one
// of rewriteTypes, else "". It runs for every line, so it does not allocate.
func rewriteType(line []byte) string {
	i, n := 0, 0
	if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
		n = -1 // the owner comes first
	}
	for ; n < 3; n++ {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] > ' ' && line[j] != ';' && line[j] != '(' && line[j] != '"' {
			j++
		}
		if j == i {
			return ""
		}
		tok := line[i:j]
		if n >= 0 && !isTTLBytes(tok) && !isClassBytes(tok) {
			for _, t := range rewriteTypes {
				if len(t) == len(tok) && bytes.EqualFold(tok, []byte(t)) {
					return t
				}
			}
			return ""
		}
		i = j
	}
	return ""
}

func isTTLBytes(b []byte) bool {
	if len(b) == 0 || !isDigit(b[0]) {
		return false
	}
	for _, c := range b {
		if l := c | 0x20; !isDigit(c) && l != 's' && l != 'm' && l != 'h' && l != 'd' && l != 'w' {
			return false
		}
	}
	return true
}

func isClassBytes(b []byte) bool {
	switch len(b) {
	case 2:
		return bytes.EqualFold(b, []byte("IN")) || bytes.EqualFold(b, []byte("CH")) || bytes.EqualFold(b, []byte("HS")) || bytes.EqualFold(b, []byte("CS"))
	case 3:
		return bytes.EqualFold(b, []byte("ANY"))
	case 4:
		return bytes.EqualFold(b, []byte("NONE"))
	}
	return len(b) > 5 && bytes.EqualFold(b[:5], []byte("CLASS"))
}

func isClass(s string) bool { return isClassBytes([]byte(s)) }

// rewriteRecord returns the record text (one record, parentheses allowed, no trailing
// newline) in a form miekg/dns reads, ending in a newline, or "" when it needs nothing.
func rewriteRecord(text string) (string, error) {
	toks, err := recordTokens(text)
	if err != nil || len(toks) == 0 {
		return "", nil // miekg reports the syntax error
	}
	i := 0
	if text[0] != ' ' && text[0] != '\t' {
		i = 1
	}
	for i < len(toks) && (isTTL(toks[i].s) || isClass(toks[i].s)) {
		i++
	}
	if i >= len(toks) {
		return "", nil
	}
	head := make([]string, 0, i+1)
	for _, t := range toks[:i] {
		head = append(head, t.s)
	}
	prefix := strings.Join(head, " ")
	if text[0] == ' ' || text[0] == '\t' {
		prefix = " " + prefix
	}
	typ, rd := strings.ToUpper(toks[i].s), toks[i+1:]
	if len(rd) > 0 && rd[0].s == `\#` {
		return "", nil // RFC 3597 form, which miekg reads for every type
	}
	var wire []byte
	var code uint16
	switch typ {
	case "NAPTR":
		return naptr(prefix, rd)
	case "GPOS":
		return gpos(prefix, rd)
	case "EUI48", "EUI64":
		return eui(prefix, typ, rd)
	case "APL":
		if len(rd) > 0 {
			return "", nil
		}
		code = dns.TypeAPL // no items, which RFC 3123 allows and miekg cannot read
	case "DNSKEY", "CDNSKEY", "KEY", "DS", "CDS", "RRSIG", "SIG":
		return algorithm(prefix, typ, rd)
	case "IPSECKEY":
		code = dns.TypeIPSECKEY
		wire, err = ipseckey(rd)
	case "WKS":
		code = 11
		wire, err = wks(rd)
	case "NSAP":
		code = 22
		wire, err = nsap(rd)
	default:
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return prefix + " TYPE" + strconv.Itoa(int(code)) + ` \# ` + strconv.Itoa(len(wire)) + " " + hex.EncodeToString(wire) + "\n", nil
}

type token struct {
	s      string
	quoted bool
}

// recordTokens splits record text into tokens as the master file format does:
// blanks and parentheses separate, quoted strings are one token, ';' starts a comment that
// runs to the end of its line.
func recordTokens(text string) ([]token, error) {
	var out []token
	var cur []byte
	in, open := false, false
	flush := func(q bool) {
		if open || q {
			out = append(out, token{string(cur), q})
		}
		cur, open = nil, false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text):
			cur, open = append(cur, c, text[i+1]), true
			i++
		case c == '"' && in:
			in = false
			flush(true)
		case c == '"':
			flush(false)
			in = true
		case in:
			cur = append(cur, c)
		case c == ';':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			flush(false)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')':
			flush(false)
		default:
			cur, open = append(cur, c), true
		}
	}
	if in {
		return nil, fmt.Errorf("unterminated quoted string")
	}
	flush(false)
	return out, nil
}

// naptr quotes NAPTR's flags, services and regexp, which BIND reads unquoted too.
func naptr(prefix string, rd []token) (string, error) {
	if len(rd) != 6 {
		return "", fmt.Errorf("NAPTR needs order, preference, flags, services, regexp and replacement, not %d fields", len(rd))
	}
	if rd[2].quoted && rd[3].quoted && rd[4].quoted {
		return "", nil // as miekg wants it
	}
	var b strings.Builder
	b.WriteString(prefix + " NAPTR " + rd[0].s + " " + rd[1].s)
	for _, t := range rd[2:5] {
		b.WriteString(` "` + t.s + `"`) // tokens hold no unescaped quote
	}
	b.WriteString(" " + rd[5].s + "\n")
	return b.String(), nil
}

// gpos unquotes GPOS's three strings (RFC 1712), which BIND reads quoted or not and miekg
// only unquoted.
func gpos(prefix string, rd []token) (string, error) {
	if len(rd) != 3 {
		return "", fmt.Errorf("GPOS needs longitude, latitude and altitude, not %d fields", len(rd))
	}
	if !rd[0].quoted && !rd[1].quoted && !rd[2].quoted {
		return "", nil
	}
	return prefix + " GPOS " + rd[0].s + " " + rd[1].s + " " + rd[2].s + "\n", nil
}

// algorithm writes a DNSSEC algorithm mnemonic as its number (RFC 4034 A.1); a record that
// has the number already is left alone.
func algorithm(prefix, typ string, rd []token) (string, error) {
	i := algorithmField[typ]
	if i >= len(rd) || rd[i].quoted || isDigit(rd[i].s[0]) {
		return "", nil
	}
	n, ok := dns.StringToAlgorithm[strings.ToUpper(rd[i].s)]
	if !ok {
		return "", fmt.Errorf("unknown DNSSEC algorithm %q", rd[i].s)
	}
	f := make([]string, len(rd))
	for j, t := range rd {
		f[j] = t.s
	}
	f[i] = strconv.Itoa(int(n))
	return prefix + " " + typ + " " + strings.Join(f, " ") + "\n", nil
}

// eui pads single-digit groups of an EUI48 or EUI64 address (BIND 9.18 reads "1-23-...",
// miekg/dns wants two digits per byte); anything else is left to miekg.
func eui(prefix, typ string, rd []token) (string, error) {
	if len(rd) != 1 {
		return "", nil
	}
	groups := strings.Split(rd[0].s, "-")
	short := false
	for i, g := range groups {
		if len(g) == 1 {
			groups[i], short = "0"+g, true
		}
	}
	if !short {
		return "", nil
	}
	return prefix + " " + typ + " " + strings.Join(groups, "-") + "\n", nil
}

func uint8Field(what, s string) (byte, error) {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("bad %s %q", what, s)
	}
	return byte(n), nil
}

// ipseckey is RFC 4025 2: precedence, gateway type (0 none ".", 1 IPv4, 2 IPv6, 3 a name),
// algorithm, gateway, and an optional base64 public key (which may be split by blanks).
func ipseckey(rd []token) ([]byte, error) {
	if len(rd) < 4 {
		return nil, fmt.Errorf("IPSECKEY needs precedence, gateway type, algorithm and gateway")
	}
	var w []byte
	for i, what := range []string{"IPSECKEY precedence", "IPSECKEY gateway type", "IPSECKEY algorithm"} {
		n, err := uint8Field(what, rd[i].s)
		if err != nil {
			return nil, err
		}
		w = append(w, n)
	}
	gw := rd[3].s
	switch w[1] {
	case 0:
		if gw != "." {
			return nil, fmt.Errorf("IPSECKEY gateway type 0 has no gateway: write \".\", not %q", gw)
		}
	case 1, 2:
		a, err := netip.ParseAddr(gw)
		if err != nil || a.Is4() != (w[1] == 1) || a.Zone() != "" {
			return nil, fmt.Errorf("IPSECKEY gateway type %d wants an IPv%d address, not %q", w[1], map[byte]int{1: 4, 2: 6}[w[1]], gw)
		}
		w = append(w, a.AsSlice()...)
	case 3:
		if !dns.IsFqdn(gw) {
			return nil, fmt.Errorf("IPSECKEY gateway %q must be an absolute name", gw)
		}
		buf := make([]byte, 256)
		n, err := dns.PackDomainName(gw, buf, 0, nil, false)
		if err != nil {
			return nil, fmt.Errorf("IPSECKEY gateway %q: %v", gw, err)
		}
		w = append(w, buf[:n]...)
	default:
		return nil, fmt.Errorf("IPSECKEY gateway type %d is not defined (RFC 4025: 0 to 3)", w[1])
	}
	var key strings.Builder
	for _, t := range rd[4:] {
		key.WriteString(t.s)
	}
	k, err := base64.StdEncoding.DecodeString(key.String())
	if err != nil {
		return nil, fmt.Errorf("IPSECKEY public key is not base64")
	}
	return append(w, k...), nil
}

// wksServices are the service names BIND's WKS reader knows from /etc/services, for the
// common ones; others are written by number.
var wksServices = map[string]int{"tcpmux": 1, "echo": 7, "discard": 9, "daytime": 13, "ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53,
	"tftp": 69, "http": 80, "www": 80, "pop3": 110, "sunrpc": 111, "nntp": 119, "ntp": 123, "imap": 143,
	"snmp": 161, "ldap": 389, "https": 443, "submission": 587, "imaps": 993, "pop3s": 995}

// wks is RFC 1035 3.4.2: an IPv4 address, a protocol (number, tcp or udp) and the services
// (numbers or names) as a bit map.
func wks(rd []token) ([]byte, error) {
	if len(rd) < 2 {
		return nil, fmt.Errorf("WKS needs an address and a protocol")
	}
	a, err := netip.ParseAddr(rd[0].s)
	if err != nil || !a.Is4() {
		return nil, fmt.Errorf("WKS address %q is not IPv4", rd[0].s)
	}
	w := a.AsSlice()
	proto, err := strconv.ParseUint(rd[1].s, 10, 8)
	switch strings.ToLower(rd[1].s) {
	case "tcp":
		proto, err = 6, nil
	case "udp":
		proto, err = 17, nil
	}
	if err != nil {
		return nil, fmt.Errorf("WKS protocol %q: want a number, tcp or udp", rd[1].s)
	}
	w = append(w, byte(proto))
	var bits []byte
	for _, t := range rd[2:] {
		port, err := strconv.ParseUint(t.s, 10, 16)
		if n, ok := wksServices[strings.ToLower(t.s)]; ok {
			port, err = uint64(n), nil
		}
		if err != nil {
			return nil, fmt.Errorf("WKS service %q: write it as a port number", t.s)
		}
		for int(port/8) >= len(bits) {
			bits = append(bits, 0)
		}
		bits[port/8] |= 0x80 >> (port % 8)
	}
	return append(w, bits...), nil
}

// nsap is RFC 1706 5: "0x" and hex digits, dots allowed anywhere after the 0x.
func nsap(rd []token) ([]byte, error) {
	s := ""
	for _, t := range rd {
		s += t.s
	}
	if len(s) < 3 || !strings.EqualFold(s[:2], "0x") {
		return nil, fmt.Errorf("NSAP %q: want 0x and hex digits", s)
	}
	h := strings.ReplaceAll(s[2:], ".", "")
	if len(h) == 0 || len(h)%2 == 1 {
		return nil, fmt.Errorf("NSAP %q: want an even number of hex digits", s)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("NSAP %q: not hex", s)
	}
	return b, nil
}
