package zone

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// rs builds an expected RRset.
func rs(name string, t uint16, ttl uint32, values ...string) RRset {
	return RRset{Name: name, Type: t, TTL: ttl, Values: values}
}

func diffSets(t *testing.T, got, want []RRset) {
	t.Helper()
	if slices.EqualFunc(got, want, RRset.Equal) {
		return
	}
	var b strings.Builder
	b.WriteString("RRsets differ\n got:\n")
	for _, s := range got {
		b.WriteString("  " + s.Key().String() + " " + itoa(s.TTL) + " " + strings.Join(s.Values, " | ") + "\n")
	}
	b.WriteString(" want:\n")
	for _, s := range want {
		b.WriteString("  " + s.Key().String() + " " + itoa(s.TTL) + " " + strings.Join(s.Values, " | ") + "\n")
	}
	t.Error(b.String())
}

const soa = "@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
const soaValue = "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"

func TestParseSyntax(t *testing.T) {
	soaSet := rs("example.com.", dns.TypeSOA, 3600, soaValue)
	tests := []struct {
		name   string
		origin string
		text   string
		want   []RRset
	}{
		{"origin, relative names and @", "", "$ORIGIN example.com.\n" + soa + "www 300 IN A 192.0.2.1\n@ 300 IN A 192.0.2.2\nabs.example.com. 300 IN A 192.0.2.3\n",
			[]RRset{rs("example.com.", dns.TypeA, 300, "192.0.2.2"), soaSet,
				rs("abs.example.com.", dns.TypeA, 300, "192.0.2.3"), rs("www.example.com.", dns.TypeA, 300, "192.0.2.1")}},
		{"$TTL default, explicit TTL and units", "example.com.", "$TTL 1h\nwww A 192.0.2.1\nmail 1d2h A 192.0.2.2\nftp 30 A 192.0.2.3\n",
			[]RRset{rs("ftp.example.com.", dns.TypeA, 30, "192.0.2.3"), rs("mail.example.com.", dns.TypeA, 93600, "192.0.2.2"),
				rs("www.example.com.", dns.TypeA, 3600, "192.0.2.1")}},
		{"owner carried over from the previous line", "example.com.", "www 300 A 192.0.2.1\n     300 AAAA 2001:db8::1\n\tTXT \"x\"\n",
			[]RRset{rs("www.example.com.", dns.TypeA, 300, "192.0.2.1"), rs("www.example.com.", dns.TypeTXT, 300, `"x"`),
				rs("www.example.com.", dns.TypeAAAA, 300, "2001:db8::1")}},
		{"class and TTL in either order", "example.com.", "a IN 300 A 192.0.2.1\nb 300 IN A 192.0.2.2\n",
			[]RRset{rs("a.example.com.", dns.TypeA, 300, "192.0.2.1"), rs("b.example.com.", dns.TypeA, 300, "192.0.2.2")}},
		{"parentheses and comments", "example.com.", "@ 3600 IN SOA ns1 hostmaster ( ; comment\n 1 ; serial\n 7200 3600\n 1209600 300 ) ; end\n",
			[]RRset{soaSet}},
		{"multi-string TXT, escapes, non-ASCII", "example.com.", "t 60 TXT \"a b\" \"c\\\"d\" \"caf\\195\\169\" plain\n",
			[]RRset{rs("t.example.com.", dns.TypeTXT, 60, `"a b" "c\"d" "caf\195\169" "plain"`)}},
		{"TXT over 255 bytes in strings", "example.com.", "k 60 TXT \"" + strings.Repeat("a", 255) + "\" \"" + strings.Repeat("b", 45) + "\"\n",
			[]RRset{rs("k.example.com.", dns.TypeTXT, 60, `"`+strings.Repeat("a", 255)+`" "`+strings.Repeat("b", 45)+`"`)}},
		{"mixed-case owners and targets are lower-cased and merged", "Example.COM.", "WWW 60 A 192.0.2.1\nwww.EXAMPLE.com. 60 A 192.0.2.2\nAlias 60 CNAME WWW.Example.COM.\n",
			[]RRset{rs("alias.example.com.", dns.TypeCNAME, 60, "www.example.com."), rs("www.example.com.", dns.TypeA, 60, "192.0.2.1", "192.0.2.2")}},
		{"identical records merged, values sorted", "example.com.", "a 60 A 192.0.2.9\na 60 A 192.0.2.1\nb 60 A 192.0.2.5\na 60 A 192.0.2.9\nc 60 CNAME b\nc 60 CNAME b\n",
			[]RRset{rs("a.example.com.", dns.TypeA, 60, "192.0.2.1", "192.0.2.9"), rs("b.example.com.", dns.TypeA, 60, "192.0.2.5"),
				rs("c.example.com.", dns.TypeCNAME, 60, "b.example.com.")}},
		{"RFC 3597 unknown type and known type in generic form", "example.com.", "u 60 TYPE65280 \\# 4 0A000001\na 60 TYPE1 \\# 4 C0000201\n",
			[]RRset{rs("a.example.com.", dns.TypeA, 60, "192.0.2.1"), rs("u.example.com.", 65280, 60, `\# 4 0A000001`)}},
		{"service and security types", "example.com.", "" +
			"@ 60 MX 10 Mail\n@ 60 CAA 0 issue \"letsencrypt.org\"\n_sip._tcp 60 SRV 10 60 5060 SIP.example.com.\n" +
			"@ 60 HTTPS 1 . alpn=h3,h2 ipv4hint=192.0.2.1\n_443._tcp 60 TLSA 3 1 1 abcdef\nh 60 SSHFP 1 1 abcdef\n" +
			"n 60 NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.\np 60 PTR Host.example.com.\n",
			[]RRset{rs("example.com.", dns.TypeMX, 60, "10 mail.example.com."),
				rs("example.com.", dns.TypeHTTPS, 60, `1 . alpn="h3,h2" ipv4hint="192.0.2.1"`),
				rs("example.com.", dns.TypeCAA, 60, `0 issue "letsencrypt.org"`),
				rs("_443._tcp.example.com.", dns.TypeTLSA, 60, "3 1 1 ABCDEF"),
				rs("_sip._tcp.example.com.", dns.TypeSRV, 60, "10 60 5060 sip.example.com."),
				rs("h.example.com.", dns.TypeSSHFP, 60, "1 1 ABCDEF"),
				rs("n.example.com.", dns.TypeNAPTR, 60, `100 10 "S" "SIP+D2U" "" _sip._udp.example.com.`),
				rs("p.example.com.", dns.TypePTR, 60, "host.example.com.")}},
		{"wildcard", "example.com.", "*.apps 60 A 192.0.2.1\n*  60 TXT wild\n",
			[]RRset{rs("*.example.com.", dns.TypeTXT, 60, `"wild"`), rs("*.apps.example.com.", dns.TypeA, 60, "192.0.2.1")}},
		{"delegation with glue and DS", "example.com.", "" +
			"sub 60 NS ns1.sub\nsub 60 NS ns.other.net.\nsub 60 DS 12345 13 2 3F2A\nns1.sub 60 A 192.0.2.53\nns1.sub 60 AAAA 2001:db8::53\n",
			[]RRset{rs("sub.example.com.", dns.TypeNS, 60, "ns.other.net.", "ns1.sub.example.com."),
				rs("sub.example.com.", dns.TypeDS, 60, "12345 13 2 3F2A"),
				rs("ns1.sub.example.com.", dns.TypeA, 60, "192.0.2.53"), rs("ns1.sub.example.com.", dns.TypeAAAA, 60, "2001:db8::53")}},
		{"RRSIG and NSEC beside a CNAME", "example.com.", "" +
			"c 60 CNAME t.example.net.\nc 60 RRSIG CNAME 13 3 60 20260101000000 20250101000000 1 example.com. AAAA\nc 60 NSEC d.example.com. CNAME RRSIG NSEC\n",
			[]RRset{rs("c.example.com.", dns.TypeCNAME, 60, "t.example.net."),
				rs("c.example.com.", dns.TypeRRSIG, 60, "CNAME 13 3 60 20260101000000 20250101000000 1 example.com. AAAA"),
				rs("c.example.com.", dns.TypeNSEC, 60, "d.example.com. CNAME RRSIG NSEC")}},
		{"origin from the SOA owner", "", "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300\nwww.example.com. 60 A 192.0.2.1\n",
			[]RRset{soaSet, rs("www.example.com.", dns.TypeA, 60, "192.0.2.1")}},
		{"origin from $ORIGIN without SOA", "", "$ORIGIN Example.com. ; the zone\nwww 60 A 192.0.2.1\n",
			[]RRset{rs("www.example.com.", dns.TypeA, 60, "192.0.2.1")}},
		{"$ORIGIN switches mid-file", "example.com.", "$ORIGIN sub.example.com.\nwww 60 A 192.0.2.1\n$ORIGIN example.com.\nwww 60 A 192.0.2.2\n",
			[]RRset{rs("www.sub.example.com.", dns.TypeA, 60, "192.0.2.1"), rs("www.example.com.", dns.TypeA, 60, "192.0.2.2")}},
		{"$GENERATE", "example.com.", "$GENERATE 1-3 host$ 60 A 192.0.2.$\n",
			[]RRset{rs("host1.example.com.", dns.TypeA, 60, "192.0.2.1"), rs("host2.example.com.", dns.TypeA, 60, "192.0.2.2"),
				rs("host3.example.com.", dns.TypeA, 60, "192.0.2.3")}},
		{"escaped dot in an owner", "example.com.", "a\\.b 60 A 192.0.2.1\n",
			[]RRset{rs(`a\.b.example.com.`, dns.TypeA, 60, "192.0.2.1")}},
		{"root origin", ".", "com. 60 NS a.gtld-servers.net.\n",
			[]RRset{rs("com.", dns.TypeNS, 60, "a.gtld-servers.net.")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := Parse(strings.NewReader(tc.text), tc.origin, "test.zone")
			if err != nil {
				t.Fatal(err)
			}
			if z.Origin != "example.com." && tc.origin != "." {
				t.Errorf("origin = %q", z.Origin)
			}
			diffSets(t, z.RRsets, tc.want)
		})
	}
}

func TestParseLines(t *testing.T) {
	text := "$ORIGIN example.com.\n$TTL 60\n; comment\n\n@ SOA ns1 host (\n 1 2 3\n 4 5 )\nwww A 192.0.2.1\n" +
		"mail A 192.0.2.2\nwww A 192.0.2.3\n   AAAA 2001:db8::1\n$GENERATE 1-2 h$ A 192.0.2.$\nlast TXT \"x\"\n"
	z, err := Parse(strings.NewReader(text), "", "lines.zone")
	if err != nil {
		t.Fatal(err)
	}
	want := map[Key]int{
		{"example.com.", dns.TypeSOA}:      5,
		{"www.example.com.", dns.TypeA}:    8,
		{"mail.example.com.", dns.TypeA}:   9,
		{"www.example.com.", dns.TypeAAAA}: 11,
		{"h1.example.com.", dns.TypeA}:     12,
		{"h2.example.com.", dns.TypeA}:     12,
		{"last.example.com.", dns.TypeTXT}: 13,
	}
	for k, line := range want {
		if got := z.Line(k); got != (Pos{"lines.zone", line}) {
			t.Errorf("Line(%v) = %v, want lines.zone:%d", k, got, line)
		}
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.zone"), "example.com.")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseFileInclude(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "example.com.zone")
	write(t, path, "$TTL 300\n@ SOA ns1 host 1 2 3 4 5\n$INCLUDE inc/hosts.zone\nafter A 192.0.2.9\n$INCLUDE inc/sub.zone sub.example.com.\n")
	write(t, filepath.Join(dir, "inc", "hosts.zone"), "; hosts\n\nwww A 192.0.2.1\n$INCLUDE more.zone\n")
	write(t, filepath.Join(dir, "inc", "more.zone"), "mail A 192.0.2.2\n")
	write(t, filepath.Join(dir, "inc", "sub.zone"), "www A 192.0.2.3\n")
	z, err := ParseFile(path, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	diffSets(t, z.RRsets, []RRset{
		rs("example.com.", dns.TypeSOA, 300, "ns1.example.com. host.example.com. 1 2 3 4 5"),
		rs("after.example.com.", dns.TypeA, 300, "192.0.2.9"),
		rs("mail.example.com.", dns.TypeA, 300, "192.0.2.2"),
		rs("www.sub.example.com.", dns.TypeA, 300, "192.0.2.3"),
		rs("www.example.com.", dns.TypeA, 300, "192.0.2.1"),
	})
	for k, want := range map[Key]Pos{
		{"www.example.com.", dns.TypeA}:     {filepath.Join(dir, "inc", "hosts.zone"), 3},
		{"mail.example.com.", dns.TypeA}:    {filepath.Join(dir, "inc", "more.zone"), 1},
		{"after.example.com.", dns.TypeA}:   {path, 4},
		{"www.sub.example.com.", dns.TypeA}: {filepath.Join(dir, "inc", "sub.zone"), 1},
	} {
		if got := z.Line(k); got != want {
			t.Errorf("Line(%v) = %v, want %v", k, got, want)
		}
	}
}

func TestParseFileIncludeJail(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "zones")
	write(t, filepath.Join(root, "secret.zone"), "x A 192.0.2.1\n")
	if err := os.Symlink(filepath.Join(root, "secret.zone"), filepath.Join(root, "link.zone")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "x"), "")
	if err := os.Symlink(filepath.Join(root, "secret.zone"), filepath.Join(dir, "link.zone")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ include, want string }{
		{"../secret.zone", "is outside the zone file's folder"},
		{filepath.Join(root, "secret.zone"), "is outside the zone file's folder"},
		{"/etc/passwd", "is outside the zone file's folder"},
		{"sub/../../secret.zone", "is outside the zone file's folder"},
		{"link.zone", "leads outside the zone file's folder"},
		{"missing.zone", "no such file"},
	} {
		path := filepath.Join(dir, "example.com.zone")
		write(t, path, "$TTL 60\nwww A 192.0.2.1\n$INCLUDE "+tc.include+"\n")
		_, err := ParseFile(path, "example.com.")
		if err == nil || !strings.Contains(err.Error(), path+":3: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("$INCLUDE %s: err = %v, want %s:3: ... %s", tc.include, err, path, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "root:") {
			t.Errorf("error leaks file content: %v", err)
		}
	}
	// Parse without a file name cannot resolve includes.
	_, err := Parse(strings.NewReader("$INCLUDE x.zone\n"), "example.com.", "")
	if err == nil || !strings.Contains(err.Error(), "line 1: $INCLUDE needs a zone file name") {
		t.Errorf("err = %v", err)
	}
}

func TestParseErrorType(t *testing.T) {
	_, err := Parse(strings.NewReader("$TTL 60\na A 192.0.2.1\na 120 A 192.0.2.2\nb CH A 192.0.2.3\n"), "example.com.", "e.zone")
	var ze *Error
	if !errors.As(err, &ze) || ze.File != "e.zone" || ze.Line != 3 {
		t.Fatalf("err = %v (%#v)", err, ze)
	}
	all := err.(interface{ Unwrap() []error }).Unwrap()
	if len(all) != 2 {
		t.Fatalf("want 2 errors, got %d: %v", len(all), err)
	}
}

func TestParseErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("$TTL 60\n")
	for range 30 {
		b.WriteString("x CH A 192.0.2.1\n")
	}
	_, err := Parse(strings.NewReader(b.String()), "example.com.", "many.zone")
	if err == nil {
		t.Fatal("no error")
	}
	all := err.(interface{ Unwrap() []error }).Unwrap()
	if len(all) != MaxErrors+1 || !strings.Contains(err.Error(), "... and 10 more problems") {
		t.Fatalf("got %d errors: %v", len(all), err)
	}
}

func TestParseFileIncludeErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "example.com.zone")
	write(t, path, "$TTL 300\nwww A 192.0.2.1\n$INCLUDE inc/bad.zone\n")
	write(t, filepath.Join(dir, "inc", "bad.zone"), "; bad\nmail A 192.0.2\n")
	_, err := ParseFile(path, "example.com.")
	want := filepath.Join(dir, "inc", "bad.zone") + `:2: bad A A: "192.0.2"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	write(t, filepath.Join(dir, "inc", "bad.zone"), "; bad\n\nmail A 192.0.2.1\nwww 600 A 192.0.2.2\n")
	_, err = ParseFile(path, "example.com.")
	want = filepath.Join(dir, "inc", "bad.zone") + ":4: TTL 600 differs from TTL 300 of the same RRset www.example.com. A at " + path + ":2"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %s", err, want)
	}
}
