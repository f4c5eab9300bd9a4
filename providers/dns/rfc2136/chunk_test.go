package rfc2136

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

func TestChunkOps(t *testing.T) {
	p, err := New(Config{Server: "127.0.0.1:53", Chunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	var changes []plan.Change
	mk := func(name string, typ uint16, vals ...string) *zone.RRset {
		return &zone.RRset{Name: name + ".example.test.", Type: typ, TTL: 60, Values: vals}
	}
	for i := 0; i < 12; i++ {
		if i == 5 {
			continue
		}
		changes = append(changes, plan.Change{Action: plan.Create, New: mk(fmt.Sprintf("h%02d", i), dns.TypeA, "192.0.2.1", "192.0.2.2")})
	}
	// CNAME replacing A at one name: the delete must come first, in the same message.
	changes = append(changes,
		plan.Change{Action: plan.Create, New: mk("h05", dns.TypeCNAME, "x.example.net.")},
		plan.Change{Action: plan.Delete, Old: mk("h05", dns.TypeA, "192.0.2.1")})
	big := make([]string, 25)
	for i := range big {
		big[i] = fmt.Sprintf("10.0.0.%d", i)
	}
	changes = append(changes, plan.Change{Action: plan.Create, New: mk("big", dns.TypeA, big...)})
	long := `"` + strings.Repeat("y", 250) + `"`
	txt := make([]string, 40) // > 10 KiB per value set: bounded by bytes too
	for i := range txt {
		txt[i] = fmt.Sprintf(`"%d" %s %s %s %s %s %s`, i, long, long, long, long, long, long)
	}
	pb, _ := New(Config{Server: "127.0.0.1:53", Chunk: 100000})

	ops, err := buildOps("example.test.", changes)
	if err != nil {
		t.Fatal(err)
	}
	chunks := p.chunkOps(ops)
	seen, parts := 0, 0
	for ci, c := range chunks {
		n := 0
		for _, o := range c {
			n += o.count
			if o.part {
				parts++
				if o.key.Name == "big.example.test." && parts == 1 {
					seen++ // the parts of one RRset count once
				}
				continue
			}
			seen++
		}
		if n > 10 && len(c) > 1 {
			t.Errorf("chunk %d has %d records in %d RRsets", ci, n, len(c))
		}
		for i, o := range c {
			if o.key.Name == "h05.example.test." && o.key.Type == dns.TypeCNAME {
				if i == 0 || c[i-1].key != (zone.Key{Name: "h05.example.test.", Type: dns.TypeA}) || !c[i-1].delete {
					t.Errorf("CNAME at h05 not preceded by the A deletion in its message: %v", describe(c))
				}
			}
		}
		if c[0].key.Name == "big.example.test." && len(c) != 1 {
			t.Errorf("oversized RRset shares a message: %s", describe(c))
		}
	}
	if seen != len(changes) || parts != 3 {
		t.Errorf("chunks hold %d ops (%d parts of the 25-record RRset), want %d (3 parts)", seen, parts, len(changes))
	}

	tops, err := buildOps("example.test.", []plan.Change{{Action: plan.Create, New: mk("t1", dns.TypeTXT, txt...)}, {Action: plan.Create, New: mk("t2", dns.TypeTXT, txt...)}, {Action: plan.Create, New: mk("t3", dns.TypeTXT, txt...)}})
	if err != nil {
		t.Fatal(err)
	}
	if tc := pb.chunkOps(tops); len(tc) < 2 {
		t.Errorf("%d bytes of TXT in %d message(s); want a split by size", tops[0].bytes*3, len(tc))
	}

	apexNS := &zone.RRset{Name: "example.test.", Type: dns.TypeNS, TTL: 60, Values: []string{"ns1.example.test."}}
	if _, err := buildOps("example.test.", []plan.Change{{Action: plan.Delete, Old: apexNS}}); err == nil {
		t.Error("deleting the apex NS RRset accepted (servers ignore it)")
	}
	if _, err := buildOps("example.test.", []plan.Change{{Action: plan.Create, New: &zone.RRset{Name: "x.other.test.", Type: dns.TypeA, Values: []string{"192.0.2.1"}}}}); err == nil {
		t.Error("RRset outside the zone accepted")
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no server accepted")
	}
	if _, err := New(Config{Server: "127.0.0.1", KeyName: "k."}); err == nil {
		t.Error("key name without secret accepted")
	}
	if _, err := New(Config{Server: "127.0.0.1", KeyName: "k.", Key: "c2VjcmV0", KeyAlg: "hmac-foo"}); err == nil {
		t.Error("unknown algorithm accepted")
	}
	p, err := New(Config{Server: "127.0.0.1", KeyName: "K", Key: "c2VjcmV0"})
	if err != nil {
		t.Fatal(err)
	}
	if p.server != "127.0.0.1:53" || p.keyName != "k." || p.chunk != math.MaxInt {
		t.Errorf("defaults: server %s key %s chunk %d", p.server, p.keyName, p.chunk)
	}
	if strings.Contains(p.String(), "c2VjcmV0") {
		t.Error("String leaks the secret")
	}
}
