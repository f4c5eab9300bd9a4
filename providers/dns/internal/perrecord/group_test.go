package perrecord

import (
	"reflect"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// TestGroup: records of one name and type become one RRset with the least TTL, values in the
// order read; other keys stay apart.
func TestGroup(t *testing.T) {
	var g Group
	if got := g.Sets(); len(got) != 0 {
		t.Fatalf("empty group: %v", got)
	}
	a := zone.Key{Name: "www.example.com.", Type: dns.TypeA}
	mx := zone.Key{Name: "example.com.", Type: dns.TypeMX}
	g.Add(a, 300, "192.0.2.1")
	g.Add(mx, 600, "10 mx.example.com.")
	g.Add(a, 60, "192.0.2.2")
	g.Add(a, 120, "192.0.2.3")
	got := map[zone.Key]zone.RRset{}
	for _, s := range g.Sets() {
		got[zone.Key{Name: s.Name, Type: s.Type}] = s
	}
	want := map[zone.Key]zone.RRset{
		a:  {Name: a.Name, Type: a.Type, TTL: 60, Values: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}},
		mx: {Name: mx.Name, Type: mx.Type, TTL: 600, Values: []string{"10 mx.example.com."}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestHolds(t *testing.T) {
	have := map[string]Existing{"192.0.2.1": {ID: 1}, "192.0.2.2": {ID: 2}}
	for _, c := range []struct {
		want *zone.RRset
		ok   bool
	}{
		{nil, true},
		{&zone.RRset{Values: []string{"192.0.2.2"}}, true},
		{&zone.RRset{Values: []string{"192.0.2.1", "192.0.2.3"}}, false},
	} {
		if got := Holds(have, c.want); got != c.ok {
			t.Errorf("Holds(%v) = %v, want %v", c.want, got, c.ok)
		}
	}
	if Holds(nil, &zone.RRset{Values: []string{"192.0.2.1"}}) {
		t.Error("an empty listing holds a value")
	}
}
