package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/zone"
)

// rr builds an RRset from "name TYPE ttl value|value".
func rr(t testing.TB, name, typ string, ttl uint32, values ...string) zone.RRset {
	t.Helper()
	ty, ok := dns.StringToType[typ]
	if !ok {
		t.Fatalf("bad type %q", typ)
	}
	return zone.RRset{Name: name, Type: ty, TTL: ttl, Values: values}
}

func soa(t testing.TB) zone.RRset {
	return rr(t, "example.com.", "SOA", 3600, "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300")
}

// genZone makes a canonical zone with n names under example.com.: an A RRset per name, and a
// TXT, MX or CNAME on some of them.
func genZone(n int, seed uint64) []zone.RRset {
	r := rand.New(rand.NewPCG(seed, 1))
	sets := []zone.RRset{
		{Name: "example.com.", Type: dns.TypeSOA, TTL: 3600, Values: []string{"ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"}},
		{Name: "example.com.", Type: dns.TypeNS, TTL: 3600, Values: []string{"ns1.example.com.", "ns2.example.com."}},
	}
	for i := range n {
		name := fmt.Sprintf("host%06d.example.com.", i)
		switch i % 10 {
		case 7:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeCNAME, TTL: 300, Values: []string{"target.example.net."}})
			continue
		case 3:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeTXT, TTL: 300,
				Values: []string{fmt.Sprintf(`"v=spf1 ip4:10.%d.%d.0/24 -all"`, i%256, r.IntN(256))}})
		case 5:
			sets = append(sets, zone.RRset{Name: name, Type: dns.TypeMX, TTL: 300, Values: []string{"10 mx1.example.com.", "20 mx2.example.com."}})
		}
		sets = append(sets, zone.RRset{Name: name, Type: dns.TypeA, TTL: 300,
			Values: []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}})
	}
	zone.Sort(sets)
	return sets
}

// mutate returns a copy of sets with about frac of the RRsets changed, deleted or added.
func mutate(sets []zone.RRset, frac float64, seed uint64) []zone.RRset {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]zone.RRset, 0, len(sets)+10)
	for _, s := range sets {
		if s.Type == dns.TypeSOA || r.Float64() >= frac {
			out = append(out, s)
			continue
		}
		switch r.IntN(3) {
		case 0: // drop
		case 1:
			s.TTL += 60
			out = append(out, s)
		case 2:
			out = append(out, s)
			out = append(out, zone.RRset{Name: "new-" + s.Name, Type: dns.TypeAAAA, TTL: 300, Values: []string{"2001:db8::1"}})
		}
	}
	zone.Sort(out)
	return out
}

// apply simulates a provider that stores exactly what it is given; names are
// case-insensitive and duplicate keys are merged, as in DNS.
func apply(current []zone.RRset, changes []Change) []zone.RRset {
	m := map[zone.Key]zone.RRset{}
	for _, s := range current {
		k := zone.Key{Name: normName(s.Name), Type: s.Type}
		if o, ok := m[k]; ok {
			s.Values = append(slices.Clone(o.Values), s.Values...)
			s.TTL = min(s.TTL, o.TTL)
		}
		m[k] = s
	}
	for _, c := range changes {
		switch c.Action {
		case Delete:
			delete(m, c.Key())
		default:
			m[c.Key()] = *c.New
		}
	}
	out := make([]zone.RRset, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	zone.Sort(out)
	return out
}

func keys(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%s %s;", c.Action, c.Key())
	}
	return b.String()
}
