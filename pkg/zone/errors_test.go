package zone

import (
	"strings"
	"testing"
)

func TestParseMalformed(t *testing.T) {
	const head = "$ORIGIN example.com.\n$TTL 300\n" // lines 1-2
	tests := []struct {
		name   string
		origin string
		text   string
		want   []string // substrings of the error, each naming file:line
	}{
		{"bad address", "", head + "www A 192.0.2\n", []string{`bad.zone:3: bad A A: "192.0.2"`}},
		{"unknown type", "", head + "www FOO bar\n", []string{`bad.zone:3: `}},
		{"unterminated parenthesis", "", head + "@ SOA ns1 host ( 1 2 3 4 5\n", []string{"bad.zone:3: "}},
		{"unterminated quote", "", head + "t TXT \"abc\n", []string{"bad.zone:3: "}},
		{"missing TTL", "example.com.", "www A 192.0.2.1\n", []string{"bad.zone:1: A record without TTL, and no $TTL, earlier TTL or SOA"}},
		{"missing TTL, line with a class", "example.com.", "www IN A 192.0.2.1\n", []string{"bad.zone:1: A record without TTL"}},
		{"TXT string over 255 bytes", "", head + "t TXT \"" + strings.Repeat("x", 256) + "\"\n", []string{"bad.zone:3: TXT character-string of 256 bytes"}},
		{"TXT string over 255 bytes once unescaped", "", head + "t TXT ok (\n \"a\" " + strings.Repeat("\\065", 300) + " )\n", []string{"bad.zone:3: TXT character-string of 300 bytes"}},
		{"RDATA over 65535 bytes", "", head + "t TXT" + strings.Repeat(" \""+strings.Repeat("y", 255)+"\"", 260) + "\n", []string{"bad.zone:3: TXT record of 66560 bytes of RDATA"}},
		{"SVCB AliasMode with mandatory", "", head + "s SVCB 0 . mandatory=alpn alpn=h2\n", []string{"bad.zone:3: SVCB/HTTPS in AliasMode"}},
		{"AMTRELAY unknown relay type", "", head + "a TYPE260 \\# 4 0a04abcd\n", []string{"bad.zone:3: AMTRELAY relay type 4 is not defined"}},
		{"RFC 3597 data that is not hex", "", head + "x TYPE731 \\# 6 ABCDEZ123456\n", []string{"bad.zone:3: RFC 3597 data (\\#) is not hexadecimal"}},
		{"data below a DNAME", "", head + "d DNAME example.net.\nns.d A 192.0.2.1\n", []string{"bad.zone:4: ns.d.example.com. is below the DNAME at d.example.com."}},
		{"relative name without origin", "", "www 60 A 192.0.2.1\n", []string{"bad.zone:1: bad owner name"}},
		{"no origin at all", "", "www.example.com. 60 A 192.0.2.1\n", []string{"bad.zone: no origin"}},
		{"bad origin argument", "exa mple.com.", "www 60 A 192.0.2.1\n", []string{"bad.zone: bad origin"}},
		{"owner outside the zone", "", head + "www A 192.0.2.1\nwww.example.org. A 192.0.2.2\n",
			[]string{"bad.zone:4: www.example.org. is outside the zone example.com."}},
		{"owner outside, suffix without dot", "", head + "badexample.com. A 192.0.2.2\n",
			[]string{"bad.zone:3: badexample.com. is outside the zone example.com."}},
		{"CNAME beside other data", "", head + "www A 192.0.2.1\nwww CNAME other.example.net.\n",
			[]string{"bad.zone:4: CNAME at www.example.com. beside other data (A at line 3)"}},
		{"CNAME at the apex", "", head + "@ CNAME other.example.net.\n",
			[]string{"bad.zone:3: CNAME at the zone apex example.com."}},
		{"two CNAMEs", "", head + "www CNAME a.example.net.\nmail A 192.0.2.1\nwww CNAME b.example.net.\n",
			[]string{"bad.zone:5: a second CNAME at www.example.com. (first at line 3)"}},
		{"two SOAs", "", head + "@ SOA ns1 host 1 2 3 4 5\n@ SOA ns1 host 2 2 3 4 5\n",
			[]string{"bad.zone:4: a second SOA at example.com. (first at line 3)"}},
		{"SOA below the apex", "example.com.", head + "sub SOA ns1 host 1 2 3 4 5\n",
			[]string{"bad.zone:3: SOA at sub.example.com. is not at the zone apex"}},
		{"different TTLs in one RRset", "", head + "www 300 A 192.0.2.1\nwww 600 A 192.0.2.2\n",
			[]string{"bad.zone:4: TTL 600 differs from TTL 300 of the same RRset www.example.com. A at line 3"}},
		{"different TTLs, far apart", "", head + "www 300 A 192.0.2.1\nmail A 192.0.2.3\nwww 600 A 192.0.2.2\n",
			[]string{"bad.zone:5: TTL 600 differs from TTL 300 of the same RRset www.example.com. A at line 3"}},
		{"TTL over 2^31-1", "", head + "www 2147483648 A 192.0.2.1\n",
			[]string{"bad.zone:3: TTL 2147483648 is over the maximum 2147483647"}},
		{"class other than IN", "", head + "www CH A 192.0.2.1\n",
			[]string{"bad.zone:3: class CH is not supported (only IN)"}},
		{"record without data", "", head + "www A\n", []string{"bad.zone:3: A record without data"}},
		{"SOA without data", "", head + "@ SOA\n", []string{"bad.zone:3: SOA record without data"}},
		{"meta type", "", head + "www TYPE255 \\# 0\n", []string{"bad.zone:3: type ANY cannot appear in a zone"}},
		{"empty zone", "example.com.", "; nothing here\n$TTL 300\n", []string{"bad.zone: the zone has no records"}},
		{"several problems at once", "", head + "www CH A 192.0.2.1\nx 300 A 192.0.2.1\nx 60 A 192.0.2.2\n@ CNAME a.example.net.\n",
			[]string{"bad.zone:3: class CH", "bad.zone:5: TTL 60 differs", "bad.zone:6: CNAME at the zone apex"}},
	}
	if len(tests) < 15 {
		t.Fatal("the table must hold at least 15 malformed inputs")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := Parse(strings.NewReader(tc.text), tc.origin, "bad.zone")
			if err == nil {
				t.Fatalf("no error; zone %+v", z.RRsets)
			}
			if z != nil {
				t.Errorf("a zone was returned with the error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\ndoes not contain\n  %s", err, w)
				}
			}
		})
	}
}
