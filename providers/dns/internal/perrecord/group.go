package perrecord

import "github.com/twinzone/twinzone/pkg/zone"

// Group gathers records read one at a time (a per-record API's listing, a zone file) into
// RRsets. An RRset's TTL is the least of its records' (the one a resolver would serve).
// The zero Group is ready to use.
type Group struct {
	idx  map[zone.Key]int
	sets []zone.RRset
}

// Add puts the record's canonical value v into the RRset of k.
func (g *Group) Add(k zone.Key, ttl uint32, v string) {
	if g.idx == nil {
		g.idx = map[zone.Key]int{}
	}
	i, ok := g.idx[k]
	if !ok {
		i = len(g.sets)
		g.idx[k] = i
		g.sets = append(g.sets, zone.RRset{Name: k.Name, Type: k.Type, TTL: ttl})
	}
	g.sets[i].TTL = min(g.sets[i].TTL, ttl)
	g.sets[i].Values = append(g.sets[i].Values, v)
}

// Sets returns the RRsets, sorted (zone.Sort).
func (g *Group) Sets() []zone.RRset {
	zone.Sort(g.sets)
	return g.sets
}
