package zone

import (
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// generateZone uses every $GENERATE form: $TTL applies (miekg/dns alone gives 3600), explicit
// TTL and class, offsets, widths and bases, the nibble modifier, "$$", a quoted template with
// blanks (a TXT of one string per word, as BIND makes it) and an MX template.
const generateZone = `$ORIGIN example.test.
$TTL 300
@ SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ NS ns1.example.test.
ns1 A 192.0.2.53
$GENERATE 1-3 host$ A 192.0.2.$
$GENERATE 0-2/2 ${10,3}.pad 60 IN A 192.0.2.${10}
$GENERATE 10-11 x${0,4,x}.hex A 192.0.2.1
$GENERATE 250-251 ${0,2,X}.HEX CNAME host1
$GENERATE 0-17 ${0,3,n}.nib PTR host$.example.test.
$GENERATE 17-18 ${0,0,N}.nibu PTR host$.example.test.
$GENERATE 1-2 ${-3,0,n}.neg TXT "${-3}"
$GENERATE 1-2 t$ TXT "v=spf1 a$ -all"
$GENERATE 1-2 m$ MX "10 mail$"
$GENERATE 5-5 dollar$$ TXT cost$$$
after A 192.0.2.99
`

// TestGenerateAsBIND: twinzone expands $GENERATE to the records BIND makes of it (its
// named-checkzone dumps the zone it loaded).
func TestGenerateAsBIND(t *testing.T) {
	got, err := Parse(strings.NewReader(generateZone), "", "gen.zone")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got.RRsets {
		if strings.HasPrefix(s.Name, "host") && s.TTL != 300 {
			t.Errorf("%s: TTL %d, want $TTL 300", s.Key(), s.TTL)
		}
		if s.Name == "after.example.test." && got.Line(s.Key()).Line != 16 {
			t.Errorf("the record after the $GENERATE lines is at %v, want line 16", got.Line(s.Key()))
		}
	}
	if p := got.Line(Key{"host2.example.test.", 1}); p.Line != 6 {
		t.Errorf("generated record at %v, want the $GENERATE line 6", p)
	}
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("named-checkzone is not installed")
		}
		t.Skip("named-checkzone is not installed")
	}
	in := filepath.Join(t.TempDir(), "gen.zone")
	if err := os.WriteFile(in, []byte(generateZone), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-q", "-D", "-o", "-", "example.test", in).Output()
	if err != nil {
		t.Fatalf("named-checkzone: %v\n%s", err, out)
	}
	want, err := Parse(strings.NewReader(string(out)), "example.test.", "bind.zone")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Errorf("twinzone and BIND expand differently:\ntwinzone:\n%s\nBIND:\n%s", render(t, got), out)
	}
}

func render(t *testing.T, z *Zone) string {
	var b strings.Builder
	if err := Render(&b, z); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestGenerateErrors: errors in and after $GENERATE name the file's lines (miekg/dns counts the
// generated lines too).
func TestGenerateErrors(t *testing.T) {
	const head = "$ORIGIN example.test.\n$TTL 300\n" // lines 1-2
	for _, tc := range []struct{ text, want string }{
		{head + "$GENERATE 1-3 h$ A 192.0.2.$\nok A 192.0.2.1\nbad A 192.0.2\n", "gen.zone:5: "},
		{head + "$GENERATE 1-3 h$ A 192.0.2.${300}\n", "gen.zone:3: "},
		{head + "$GENERATE 3-1 h$ A 192.0.2.$\n", "gen.zone:3: $GENERATE: invalid range"},
		{head + "$GENERATE 1-3 h${0,2,q} A 192.0.2.$\n", "gen.zone:3: $GENERATE: bad modifier"},
		{head + "$GENERATE 1-2 t$ TXT a$ b$\n", "gen.zone:3: $GENERATE: after the type"},
		{head + "$GENERATE 0-2000000 h$ A 192.0.2.1\n", "gen.zone:3: $GENERATE range 0-2000000 makes more than"},
	} {
		_, err := Parse(strings.NewReader(tc.text), "", "gen.zone")
		var ze *Error
		if !errors.As(err, &ze) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}

// TestWrittenUnknownRelayTypeLoads: an AMTRELAY with a relay type RFC 8777 does not define,
// as a provider may serve it (twinzone's parser refuses it in a zone file), is written in the
// RFC 3597 form, which BIND reads (miekg/dns's own form of it BIND refused; miekg drops the
// relay bytes of an unknown type when it reads the wire, which twinzone cannot undo).
func TestWrittenUnknownRelayTypeLoads(t *testing.T) {
	wire := []byte{0x0a, 0x04, 0xab, 0xcd} // precedence 10, D=0, relay type 4, two bytes
	rr := &dns.RFC3597{Hdr: dns.RR_Header{Name: "amt.example.test.", Rrtype: dns.TypeAMTRELAY, Class: dns.ClassINET, Ttl: 60}, Rdata: hex.EncodeToString(wire)}
	typed, err := dns.NewRR(rr.String())
	if err != nil {
		t.Fatal(err)
	}
	k, ttl, v := FromRR(typed)
	if !strings.HasPrefix(v, `\# `) { // miekg/dns keeps no relay it does not know: 2 bytes here
		t.Fatalf("value %q, want the RFC 3597 form", v)
	}
	z := &Zone{Origin: "example.test.", RRsets: []RRset{
		{Name: "example.test.", Type: dns.TypeSOA, TTL: 60, Values: []string{"ns.invalid. h.invalid. 1 2 3 4 5"}},
		{Name: "example.test.", Type: dns.TypeNS, TTL: 60, Values: []string{"ns.invalid."}},
		{Name: k.Name, Type: k.Type, TTL: ttl, Values: []string{v}},
	}}
	path := filepath.Join(t.TempDir(), "amt.zone")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, z); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("named-checkzone is not installed")
		}
		t.Skip("named-checkzone is not installed")
	}
	if out, err := exec.Command(bin, "example.test", path).CombinedOutput(); err != nil {
		t.Errorf("BIND refuses what twinzone wrote: %v\n%s", err, out)
	}
}
