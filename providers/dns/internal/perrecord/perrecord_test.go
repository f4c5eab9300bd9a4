package perrecord

import (
	"reflect"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

func TestPlan(t *testing.T) {
	old := map[string]Existing{"192.0.2.1": {1, 300}, "192.0.2.2": {2, 300}, "192.0.2.3": {3, 300}}
	set := func(ttl uint32, vs ...string) *zone.RRset {
		return &zone.RRset{Name: "a.example.", Type: dns.TypeA, TTL: ttl, Values: vs}
	}
	for _, tc := range []struct {
		name string
		next *zone.RRset
		want Steps
	}{
		{"delete", nil, Steps{Delete: []int64{1, 2, 3}}},
		{"same", set(300, "192.0.2.1", "192.0.2.2", "192.0.2.3"), Steps{}},
		{"ttl", set(600, "192.0.2.1", "192.0.2.2", "192.0.2.3"), Steps{Retime: []int64{1, 2, 3}}},
		{"one replaced in place", set(300, "192.0.2.1", "192.0.2.2", "192.0.2.9"), Steps{Replace: []Replace{{3, "192.0.2.9"}}}},
		{"grow", set(300, "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"), Steps{Create: []string{"192.0.2.4"}}},
		{"shrink and change", set(300, "192.0.2.8"), Steps{Replace: []Replace{{1, "192.0.2.8"}}, Delete: []int64{2, 3}}},
	} {
		if got := Plan(old, tc.next); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
