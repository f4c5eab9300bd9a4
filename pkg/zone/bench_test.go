package zone

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// bigZone returns a zone file with n names and a realistic mix of types (about 1.5 records
// per name): A everywhere, AAAA on every third, TXT on every fifth, MX on every seventh,
// CNAME names on every eleventh.
func bigZone(n int) []byte {
	var b bytes.Buffer
	b.WriteString("$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n@ NS ns2.example.net.\nns1 A 192.0.2.1\n")
	for i := 0; i < n; i++ {
		if i%11 == 10 {
			fmt.Fprintf(&b, "alias%d 300 IN CNAME host%d\n", i, i-1)
			continue
		}
		fmt.Fprintf(&b, "host%d IN A 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
		if i%3 == 0 {
			fmt.Fprintf(&b, "host%d IN AAAA 2001:db8::%x:%x\n", i, i>>16, i&0xffff)
		}
		if i%5 == 0 {
			fmt.Fprintf(&b, "host%d IN TXT \"v=spf1 ip4:10.0.0.0/8 -all\" \"id=%d\"\n", i, i)
		}
		if i%7 == 0 {
			fmt.Fprintf(&b, "host%d IN MX 10 Mail%d.example.com.\n", i, i)
		}
	}
	return b.Bytes()
}

func BenchmarkParse100k(b *testing.B) {
	data := bigZone(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), "example.com.", "bench.zone"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiekgOnly is the floor: miekg/dns's parser alone over the same file.
func BenchmarkMiekgOnly100k(b *testing.B) {
	data := bigZone(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		zp := dnsZoneParser(bytes.NewReader(data))
		n := 0
		for _, ok := zp.Next(); ok; _, ok = zp.Next() {
			n++
		}
		if zp.Err() != nil {
			b.Fatal(zp.Err())
		}
	}
}

func BenchmarkRender100k(b *testing.B) {
	z, err := Parse(bytes.NewReader(bigZone(100_000)), "example.com.", "bench.zone")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Render(io.Discard, z); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRendered100k parses a file as Render writes it (already in canonical order),
// which is what the zonefile provider reads back.
func BenchmarkParseRendered100k(b *testing.B) {
	z, err := Parse(bytes.NewReader(bigZone(100_000)), "example.com.", "bench.zone")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Render(&buf, z); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), "example.com.", "bench.zone"); err != nil {
			b.Fatal(err)
		}
	}
}
