package zone

// group sorts the runs canonically and merges runs of the same key into RRsets, fills the
// line index, and returns the RRsets, sorted as Sort sorts them.
func (p *parser) group() []RRset {
	if sets, ok := p.groupSorted(); ok {
		return sets
	}
	perm := sortedOrder(p.runs)
	sets := make([]RRset, 0, len(p.runs))
	p.lines.keys = make([]Key, 0, len(p.runs))
	p.lines.pos = make([]filePos, 0, len(p.runs))
	for _, j := range perm {
		r := &p.runs[j]
		if n := len(sets); n > 0 && sets[n-1].Type == r.Type && sets[n-1].Name == r.Name {
			p.merge(&sets[n-1], p.lines.pos[n-1], r.TTL, r.Values, p.runPos[j])
			continue
		}
		sets = append(sets, *r)
		p.lines.keys = append(p.lines.keys, r.Key())
		p.lines.pos = append(p.lines.pos, p.runPos[j])
	}
	p.runs, p.runPos = nil, nil
	sortValues(sets)
	return sets
}

// groupSorted is group for runs already in canonical order with one run per key, as in a
// file that Render wrote: the runs become the RRsets without a copy (for 2,000,000 RRsets
// that saves 100 MB at the parse's peak).
func (p *parser) groupSorted() ([]RRset, bool) {
	runs := p.runs
	for i := 1; i < len(runs); i++ {
		if c := compareSets(runs[i-1], runs[i]); c >= 0 {
			return nil, false // out of order, or a key in two runs
		}
	}
	if cap(runs) > len(runs)+len(runs)/4 {
		return nil, false // the copy is smaller than the slack it frees
	}
	p.lines.keys = make([]Key, len(runs))
	for i := range runs {
		p.lines.keys[i] = runs[i].Key()
	}
	p.lines.pos = p.runPos
	p.runs, p.runPos = nil, nil
	sortValues(runs)
	return runs, true
}
