package plan

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// FuzzCalculate: for desired and current zones built from the fuzz input, Calculate never
// fails on valid data, its changes are in canonical order and counted, and applying them gives
// an empty plan.
func FuzzCalculate(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03"), []byte("\x01\x02\x03\x04"), uint8(0))
	f.Add([]byte("abcdefghijklmnop"), []byte("ponmlkjihgfedcba"), uint8(3))
	f.Add([]byte{}, []byte("\xff\xfe\xfd\xfc\xfb"), uint8(7))
	f.Fuzz(func(t *testing.T, d, c []byte, tr uint8) {
		desired := append(fuzzSets(d), soa(t))
		current := fuzzSets(c)
		opts := Options{Origin: "example.com.", Stamp: StampOf(desired),
			Traits: Traits{MinTTL: uint32(tr&1) * 60, MaxTTL: uint32(tr&2) * 1800}}
		if tr&4 != 0 {
			opts.Traits.AutoTTL = 1
		}
		if tr&8 != 0 {
			opts.Ignore = []IgnoreRule{{Name: "*b*"}}
		}
		p, err := Calculate(desired, current, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(p.Changes, func(a, b Change) int { return a.Key().Compare(b.Key()) }) {
			t.Fatal("changes out of order")
		}
		if p.Counts.Total() != len(p.Changes) {
			t.Fatal("counts")
		}
		again, err := Calculate(desired, apply(current, p.Changes), opts)
		if err != nil || !again.Empty() {
			t.Fatalf("not converged: %v %s", err, keys(again.Changes))
		}
	})
}

// fuzzSets turns bytes into RRsets, three bytes each: name, type, value.
func fuzzSets(b []byte) []zone.RRset {
	var out []zone.RRset
	types := []uint16{dns.TypeA, dns.TypeTXT, dns.TypeMX, dns.TypeAAAA, dns.TypeCNAME}
	for len(b) >= 3 {
		name := fmt.Sprintf("%c.example.com.", 'a'+b[0]%6)
		if b[0]&0x80 != 0 {
			name = fmt.Sprintf("%c.%c.Example.com", 'A'+b[0]%3, 'a'+b[1]%3)
		}
		typ := types[int(b[1])%len(types)]
		var v string
		switch typ {
		case dns.TypeA:
			v = fmt.Sprintf("192.0.2.%d", b[2])
		case dns.TypeAAAA:
			v = fmt.Sprintf("2001:db8::%x", b[2])
		case dns.TypeTXT:
			v = fmt.Sprintf(`"%s" "x\%03d"`, bytes.Repeat([]byte{'t'}, int(b[2])), b[2])
		case dns.TypeMX:
			v = fmt.Sprintf("%d mx%d.example.com", b[2]%3, b[2]%2)
		case dns.TypeCNAME:
			v = fmt.Sprintf("T%d.example.net", b[2]%2)
		}
		out = append(out, zone.RRset{Name: name, Type: typ, TTL: uint32(b[2]) * 7, Values: []string{v}})
		b = b[3:]
	}
	return out
}
