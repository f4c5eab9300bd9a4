package zone

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// roundTrip renders z, parses the result and fails unless the zones are equal.
func roundTrip(t testing.TB, z *Zone) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, z); err != nil {
		t.Fatalf("render: %v", err)
	}
	back, err := Parse(bytes.NewReader(buf.Bytes()), z.Origin, "")
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, buf.String())
	}
	if !back.Equal(z) {
		diffSets(t.(*testing.T), back.RRsets, z.RRsets)
		t.Fatalf("round trip differs; rendered:\n%s", buf.String())
	}
	return buf.String()
}

var roundTripZone = `$ORIGIN Example.COM.
$TTL 3600
@ SOA NS1 hostmaster ( 2026112201 7200 3600 1209600 300 )
@ NS ns1
@ NS ns2.example.net.
@ 300 A 192.0.2.10
@ MX 10 Mail
@ TXT "v=spf1 mx -all"
@ CAA 0 issue "letsencrypt.org"
@ CAA 128 tbs "Unknown"
@ HTTPS 1 . alpn="h3,h2" ipv4hint=192.0.2.10,192.0.2.11 ipv6hint=2001:db8::10 ech=AEP+DQA/ABYAIAAgnf8mL4wudhy5gMlmX3RN9cSwajhPUEY4Nhj+/A2NgHUAMAAAAAAA
svc HTTPS 16 Svc.Example.net. port=8443 alpn=h2 mandatory=alpn
ns1 A 192.0.2.53
Mail A 192.0.2.25
WWW.Sub 300 AAAA 2001:db8::1
dkim._domainkey TXT "` + "v=DKIM1; k=rsa; p=" + `MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwJq7Yx6sQ2bqG9oBmRkzH1a3e5d0Vb1R3kQ2V9xQ6Wm8pKfG3hC7yD2sT5uJ0nL4vB8eA1iO6cX9zR3tY7uM2wP5qS0dF4gH8jK1lZ3xC6vB9nM2QwErTyUiOpAsDfGhJkLzXcVbNm1234567890abcdefghijkLMNOPQRSTUVWXYZ0123456789" "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/IDAQAB"
long TXT "` + strings.Repeat("x", 255) + `" "` + strings.Repeat("y", 255) + `" "tail"
quote TXT "say \"hi\"; (ok)" "back\\slash" "caf\195\169" "tab\009" ""
_sip._tcp SRV 10 60 5060 SIP.example.com.
_sip._tcp SRV 20 40 5060 sip-backup.example.net.
_443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
*.apps 600 A 192.0.2.80
* 600 TXT "wildcard at the apex level"
Alias CNAME WWW.Example.COM.
lab 86400 NS ns1.lab
lab 86400 NS ns2.example.net.
lab 86400 DS 12345 13 2 3F2A5C8D1E9B7A6F4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B
ns1.lab 86400 A 192.0.2.153
ns1.lab 86400 AAAA 2001:db8::153
u TYPE65280 \# 4 0A000001
empty TYPE65281 \# 0
e\.dot A 192.0.2.7
in A 192.0.2.8
a A 192.0.2.9
300 A 192.0.2.10
txt A 192.0.2.11
x.y.z LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
n NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.com.
r RP Mbox.example.com. txt.example.com.
s SSHFP 1 1 0123456789ABCDEF0123456789ABCDEF01234567
uri URI 10 1 "https://example.com/path?q=1"
`

func TestRenderRoundTrip(t *testing.T) {
	z, err := Parse(strings.NewReader(roundTripZone), "", "rt.zone")
	if err != nil {
		t.Fatal(err)
	}
	text := roundTrip(t, z)
	for _, want := range []string{
		"$ORIGIN example.com.\n",
		"@\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2026112201 7200 3600 1209600 300\n",
		"www.sub\t300\tIN\tAAAA\t2001:db8::1\n",
		"*.apps\t600\tIN\tA\t192.0.2.80\n",
		"alias\t3600\tIN\tCNAME\twww.example.com.\n",
		`quote	3600	IN	TXT	"say \"hi\"; (ok)" "back\\slash" "caf\195\169" "tab\009" ""` + "\n",
		"e\\.dot\t3600\tIN\tA\t192.0.2.7\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered zone lacks %q:\n%s", want, text)
		}
	}
	// The SOA comes first, right after $ORIGIN.
	if lines := strings.Split(text, "\n"); !strings.Contains(lines[2], "SOA") {
		t.Errorf("third line is %q, want the SOA", lines[2])
	}
	checkZoneWithBIND(t, "example.com", text)
}

func TestRenderExampleZone(t *testing.T) {
	z, err := ParseFile(filepath.Join("..", "..", "zones", "example.com.zone"), "")
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "example.com." {
		t.Fatalf("origin %q", z.Origin)
	}
	want := map[Key]bool{}
	for _, k := range []Key{{"example.com.", dns.TypeSOA}, {"example.com.", dns.TypeNS}, {"example.com.", dns.TypeMX},
		{"example.com.", dns.TypeCAA}, {"example.com.", dns.TypeHTTPS}, {"_dmarc.example.com.", dns.TypeTXT},
		{"sel1._domainkey.example.com.", dns.TypeTXT}, {"_sip._tcp.example.com.", dns.TypeSRV},
		{"*.apps.example.com.", dns.TypeA}, {"lab.example.com.", dns.TypeNS}, {"lab.example.com.", dns.TypeDS},
		{"ns1.lab.example.com.", dns.TypeA}, {"api.example.com.", dns.TypeCNAME}, {"mail.example.com.", dns.TypeA}} {
		want[k] = true
	}
	for _, s := range z.RRsets {
		delete(want, s.Key())
		if s.Key() == (Key{"sel1._domainkey.example.com.", dns.TypeTXT}) && len(s.Values[0]) <= 255 {
			t.Errorf("DKIM value is only %d bytes", len(s.Values[0]))
		}
	}
	if len(want) > 0 {
		t.Errorf("example zone lacks %v", want)
	}
	checkZoneWithBIND(t, "example.com", roundTrip(t, z))
}

func TestRenderSortsAndQualifies(t *testing.T) {
	z := &Zone{Origin: "example.com.", RRsets: []RRset{
		{Name: "www.example.com.", Type: dns.TypeA, TTL: 60, Values: []string{"192.0.2.1"}},
		{Name: "example.com.", Type: dns.TypeNS, TTL: 60, Values: []string{"ns.example.net."}},
		{Name: "empty.example.com.", Type: dns.TypeA, TTL: 60},
	}}
	var buf bytes.Buffer
	if err := Render(&buf, z); err != nil {
		t.Fatal(err)
	}
	want := "; zone example.com. written by twinzone\n$ORIGIN example.com.\n" +
		"@\t60\tIN\tNS\tns.example.net.\nwww\t60\tIN\tA\t192.0.2.1\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if z.RRsets[0].Name != "www.example.com." {
		t.Fatal("Render reordered the caller's RRsets")
	}
	if err := Render(&buf, &Zone{Origin: "example.com"}); err == nil {
		t.Fatal("a relative origin was accepted")
	}
}

// checkZoneWithBIND runs named-checkzone on a rendered zone, when BIND's tools are installed
// (required when CI=true).
func checkZoneWithBIND(t *testing.T, origin, text string) {
	t.Helper()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("named-checkzone not installed")
		}
		t.Log("named-checkzone not installed; skipping the BIND check")
		return
	}
	path := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-k", "ignore", "-i", "local", origin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkzone rejects the rendered zone: %v\n%s\n%s", err, out, text)
	}
}
