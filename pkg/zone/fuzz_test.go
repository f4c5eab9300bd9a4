package zone

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that every zone it accepts renders to a file
// that parses back to an equal zone. Seeds: testdata/fuzz/FuzzParse and the cases below.
func FuzzParse(f *testing.F) {
	f.Add("$TTL 300\n@ SOA ns1 host 1 2 3 4 5\nwww A 192.0.2.1\n")
	f.Add(roundTripZone)
	f.Add("$ORIGIN example.com.\nt 60 TXT \"a\\\"b\" \\195\\169 \"" + strings.Repeat("z", 300) + "\"\n")
	f.Add("x 60 HTTPS 1 . alpn=h2 port=443 ipv6hint=2001:db8::1\nx 60 CAA 0 issuewild \";\"\n")
	f.Add("sub 60 NS ns.sub\nns.sub 60 A 192.0.2.1\nsub 60 DS 1 13 2 AB\n*.w 60 MX 0 .\n")
	f.Add("$TTL 60\ni IPSECKEY ( 10 1 2\n 192.0.2.1 AQNR )\nw WKS 192.0.2.1 tcp 25\nn NAPTR 1 2 S X !a!b! .\ng GPOS \"1\" \"2\" \"3\"\n")
	f.Add("$TTL 60\n$GENERATE 1-4/2 h${0,3,n} TXT \"a$ $$\"\nx IN A 192.0.2.1\n\\065 TXT x\n")
	f.Fuzz(func(t *testing.T, text string) {
		z, err := Parse(strings.NewReader(text), "example.com.", "")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Render(&buf, z); err != nil {
			t.Fatalf("render: %v", err)
		}
		back, err := Parse(bytes.NewReader(buf.Bytes()), z.Origin, "")
		if err != nil {
			t.Fatalf("re-parse of the rendered zone: %v\n%s", err, buf.String())
		}
		if !back.Equal(z) {
			t.Fatalf("round trip differs:\nfirst  %v\nsecond %v\nrendered:\n%s", z.RRsets, back.RRsets, buf.String())
		}
	})
}
