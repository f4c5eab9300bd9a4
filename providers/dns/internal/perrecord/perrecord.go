// Package perrecord plans the requests that change one RRset on an API that writes one
// record per request (DNSimple, DigitalOcean): changed values are replaced in place, value
// for value, then extra new values created, then extra old ones deleted, so the RRset holds
// old or new values at every moment, never none. Group gathers the records such an API lists
// into RRsets.
package perrecord

import (
	"cmp"
	"maps"
	"slices"

	"github.com/twinzone/twinzone/pkg/zone"
)

// Existing is one record on the provider, by canonical value in the map Plan is given.
type Existing struct {
	ID  int64
	TTL uint32
}

// Replace rewrites record ID to Value (and the new TTL).
type Replace struct {
	ID    int64
	Value string
}

// Steps are the requests, in the order to send them.
type Steps struct {
	Replace []Replace
	Create  []string
	Delete  []int64
	Retime  []int64 // kept records whose TTL changes
}

// Plan returns the steps from the records old to next (nil: delete the RRset). It is
// deterministic: old values in sorted order.
func Plan(old map[string]Existing, next *zone.RRset) Steps {
	var st Steps
	var gone []Existing
	for _, v := range slices.Sorted(maps.Keys(old)) {
		if next == nil || !slices.Contains(next.Values, v) {
			gone = append(gone, old[v])
		}
	}
	slices.SortFunc(gone, func(a, b Existing) int { return cmp.Compare(a.ID, b.ID) })
	if next != nil {
		for _, v := range next.Values {
			e, ok := old[v]
			switch {
			case ok && e.TTL != next.TTL:
				st.Retime = append(st.Retime, e.ID)
			case ok:
			case len(gone) > 0:
				st.Replace = append(st.Replace, Replace{ID: gone[0].ID, Value: v})
				gone = gone[1:]
			default:
				st.Create = append(st.Create, v)
			}
		}
	}
	for _, e := range gone {
		st.Delete = append(st.Delete, e.ID)
	}
	return st
}

// Holds reports whether have (a listing's records of one RRset, by value) holds every value
// of want; a nil want (an RRset being created) is held by any listing. When it does not, the
// listing missed records (pages shift under concurrent writers) and the RRset is read again.
func Holds(have map[string]Existing, want *zone.RRset) bool {
	if want == nil {
		return true
	}
	for _, v := range want.Values {
		if _, ok := have[v]; !ok {
			return false
		}
	}
	return true
}
