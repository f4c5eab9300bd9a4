package zone

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOccludedDataIsAWarning: BIND and Knot load data below or at a delegation (they do not
// answer with it), so twinzone accepts it and warns, naming the line.
func TestOccludedDataIsAWarning(t *testing.T) {
	const head = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1.example.net. h.example.net. 1 2 3 4 5\n" // lines 1-3
	for _, tc := range []struct{ text, want string }{
		{head + "sub NS ns1.sub\nns1.sub A 192.0.2.1\nwww.sub TXT hidden\n", "bad.zone:6: www.sub.example.com. TXT is occluded by delegation at sub.example.com."},
		{head + "sub NS ns.example.net.\nsub MX 10 mail.example.com.\n", "bad.zone:5: sub.example.com. MX is occluded by delegation at sub.example.com."},
		{head + "sub NS ns.example.net.\ndeep.sub NS ns.example.net.\n", "bad.zone:5: deep.sub.example.com. NS is occluded by delegation at sub.example.com."},
	} {
		z, err := Parse(strings.NewReader(tc.text), "", "bad.zone")
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		if len(z.Warnings) != 1 || !strings.Contains(z.Warnings[0].Error(), tc.want) {
			t.Errorf("warnings %v, want %q", z.Warnings, tc.want)
		}
	}
}

// TestSignedZoneLoads: the RRSIGs of one owner carry the TTLs of the RRsets they cover, as in
// every signed zone (BIND's crashzone.db test zone).
func TestSignedZoneLoads(t *testing.T) {
	text := `$ORIGIN example.com.
@ 3600 SOA ns1.example.net. h.example.net. 1 2 3 4 5
@ 3600 RRSIG SOA 13 2 3600 20300101000000 20200101000000 12345 example.com. dGVzdA==
www 300 A 192.0.2.1
www 300 RRSIG A 13 3 300 20300101000000 20200101000000 12345 example.com. dGVzdA==
www 7200 TXT "x"
www 7200 RRSIG TXT 13 3 7200 20300101000000 20200101000000 12345 example.com. dGVzdA==
`
	z, err := Parse(strings.NewReader(text), "", "signed.zone")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range z.RRsets {
		if s.Type == 46 && s.Name == "www.example.com." && (len(s.Values) != 2 || s.TTL != 300) {
			t.Errorf("RRSIG RRset %v, want both signatures at the lowest TTL 300", s)
		}
	}
}

// endless is a reader of one endless line; it counts what was read.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	if e.n > 1<<30 {
		return 0, io.EOF
	}
	return len(p), nil
}

// TestLongLineIsBounded: a 1 GB line is refused after MaxLineBytes, naming the line, instead
// of being read into memory.
func TestLongLineIsBounded(t *testing.T) {
	r := &endless{}
	_, err := Parse(io.MultiReader(strings.NewReader("$ORIGIN example.com.\n$TTL 300\nwww TXT "), r), "", "long.zone")
	var ze *Error
	if !errors.As(err, &ze) || ze.Line != 3 || !strings.Contains(ze.Msg, "line longer than 1048576 bytes") {
		t.Fatalf("error %v, want long.zone:3: line longer than ...", err)
	}
	if r.n > 2*MaxLineBytes {
		t.Errorf("read %d bytes of the long line, want about %d", r.n, MaxLineBytes)
	}
}

// TestZoneSizeIsBounded: input over the zone bound (the file and its $INCLUDE files) stops
// the parse with an error naming where (the bound is lowered here; it is MaxZoneBytes).
func TestZoneSizeIsBounded(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x 60 A 192.0.2.1\n", 100) // 1,700 bytes
	if err := os.WriteFile(filepath.Join(dir, "inc.zone"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "main.zone")
	if err := os.WriteFile(main, []byte("$ORIGIN example.com.\n$INCLUDE inc.zone\n$INCLUDE inc.zone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(main)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newParser("example.com.", main, 0)
	p.shared.maxTotal = 3000
	_, err = p.parse(f)
	var ze *Error
	if !errors.As(err, &ze) || !strings.Contains(ze.Msg, "zone larger than 3000 bytes") || !strings.HasSuffix(ze.File, "inc.zone") || ze.Line < 70 {
		t.Fatalf("error %v (%+v), want inc.zone:7x: zone larger than 3000 bytes", err, ze)
	}
}

// TestAlgorithmMnemonics: DNSSEC algorithms written as mnemonics, which BIND and Knot read,
// are read as their numbers (miekg/dns alone refuses them).
func TestAlgorithmMnemonics(t *testing.T) {
	text := `$ORIGIN example.com.
$TTL 300
@ DNSKEY 256 3 RSASHA1 AwEAAb4N53kPbhRw==
sub DS 60485 ECDSAP256SHA256 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A
@ RRSIG DNSKEY ED25519 2 300 20300101000000 20200101000000 12345 example.com. dGVzdA==
`
	z, err := Parse(strings.NewReader(text), "", "alg.zone")
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16]string{48: "256 3 5 ", 43: "60485 13 2 ", 46: "DNSKEY 15 2 "}
	for _, s := range z.RRsets {
		if w, ok := want[s.Type]; ok && !strings.HasPrefix(s.Values[0], w) {
			t.Errorf("%s: %q, want it to start %q", s.Key(), s.Values[0], w)
		}
	}
	if _, err := Parse(strings.NewReader("$TTL 1\n@ DNSKEY 256 3 NOSUCH AwEA\n"), "example.com.", "alg.zone"); err == nil || !strings.Contains(err.Error(), "alg.zone:2: DNSKEY record: unknown DNSSEC algorithm") {
		t.Errorf("unknown mnemonic: %v", err)
	}
}

// TestEUIWithoutLeadingZeros: an EUI48 or EUI64 group of one digit, which BIND 9.18 reads, is
// read as its byte.
func TestEUIWithoutLeadingZeros(t *testing.T) {
	z, err := Parse(strings.NewReader("$TTL 60\na EUI48 1-23-45-67-89-ab\nb EUI64 1-23-45-67-89-ab-cd-e\n"), "example.com.", "eui.zone")
	if err != nil {
		t.Fatal(err)
	}
	if z.RRsets[0].Values[0] != "01-23-45-67-89-ab" || z.RRsets[1].Values[0] != "01-23-45-67-89-ab-cd-0e" {
		t.Errorf("values %q %q", z.RRsets[0].Values, z.RRsets[1].Values)
	}
}
