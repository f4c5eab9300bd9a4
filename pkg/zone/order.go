package zone

import (
	"cmp"
	"slices"
	"strings"
)

// CompareNames orders absolute names canonically (RFC 4034 6.1): label by label from the
// root, case-insensitively (ASCII letters, RFC 4343). Escaped dots do not split labels. It
// does not allocate.
func CompareNames(a, b string) int {
	if a == b {
		return 0
	}
	// Fast path for the common case of sorting and merging large zones: names that differ
	// only in their first label ("host1.example." and "host2.example."). When neither first
	// label holds a backslash, the first dot ends it, and identical rests hold identical labels.
	if i, j := strings.IndexByte(a, '.'), strings.IndexByte(b, '.'); i > 0 && j > 0 && a[i:] == b[j:] &&
		strings.IndexByte(a[:i], '\\') < 0 && strings.IndexByte(b[:j], '\\') < 0 {
		return compareFold(a[:i], b[:j])
	}
	ea, eb := trimRootDot(a), trimRootDot(b)
	for {
		if ea == 0 || eb == 0 {
			switch {
			case ea == 0 && eb == 0:
				return 0
			case ea == 0:
				return -1
			default:
				return 1
			}
		}
		sa, sb := labelStart(a, ea), labelStart(b, eb)
		if c := compareFold(a[sa:ea], b[sb:eb]); c != 0 {
			return c
		}
		ea, eb = sa-1, sb-1 // skip the separating dot
		if ea < 0 {
			ea = 0
		}
		if eb < 0 {
			eb = 0
		}
	}
}

// trimRootDot returns the end of the last label of s: len(s) without an unescaped trailing dot.
func trimRootDot(s string) int {
	if n := len(s); n > 0 && s[n-1] == '.' && !escaped(s, n-1) {
		return n - 1
	}
	return len(s)
}

// labelStart returns where the label that ends at end (exclusive) starts.
func labelStart(s string, end int) int {
	for i := end - 1; i >= 0; i-- {
		if s[i] == '.' && !escaped(s, i) {
			return i + 1
		}
	}
	return 0
}

// escaped reports whether s[i] is preceded by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for i--; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// LastLabel splits name (absolute or not) into its last label, the one nearest the root, and
// the rest before it; escaped dots do not split labels. For "a.b.c." it is "c" and "a.b".
func LastLabel(name string) (label, rest string) {
	end := trimRootDot(name)
	start := labelStart(name, end)
	if start == 0 {
		return name[:end], ""
	}
	return name[start:end], name[:start-1]
}

// CompareLabels compares two labels as CompareNames does: byte by byte, ASCII case folded.
func CompareLabels(a, b string) int { return compareFold(a, b) }

// compareFold compares two labels byte by byte with ASCII letters folded to lower case.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// Sort sorts RRsets canonically by key and each RRset's values, removing duplicate values.
func Sort(sets []RRset) {
	sortValues(sets)
	if len(sets) < 2 {
		return
	}
	if sorted := Sorted(sets); &sorted[0] != &sets[0] {
		copy(sets, sorted)
	}
}

// Sorted returns sets in canonical key order (Key.Compare; equal keys keep their order):
// sets itself when it is sorted already, else a sorted copy. Values are left as they are.
func Sorted(sets []RRset) []RRset {
	if slices.IsSortedFunc(sets, compareSets) {
		return sets
	}
	perm := sortedOrder(sets)
	out := make([]RRset, len(sets))
	for i, j := range perm {
		out[i] = sets[j]
	}
	return out
}

func sortValues(sets []RRset) {
	for i := range sets {
		if len(sets[i].Values) > 1 {
			slices.Sort(sets[i].Values)
			sets[i].Values = slices.Compact(sets[i].Values)
		}
	}
}

// sortedOrder returns the indexes of sets in canonical key order; equal keys keep their
// order (stable). It compares precomputed keys as plain strings, which is several times
// faster than CompareNames on large zones.
func sortedOrder(sets []RRset) []int32 {
	perm := make([]int32, len(sets))
	for i := range perm {
		perm[i] = int32(i)
	}
	if slices.IsSortedFunc(sets, compareSets) { // e.g. a file that Render wrote
		return perm
	}
	keys, ok := sortKeys(sets)
	if !ok {
		slices.SortStableFunc(perm, func(a, b int32) int { return compareSets(sets[a], sets[b]) })
		return perm
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(sets[a].Type, sets[b].Type); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return perm
}

func compareSets(a, b RRset) int { return a.Key().Compare(b.Key()) }

// sortKeys returns, for each RRset, a key whose byte order is CompareNames' order: the
// owner's labels from the root, ASCII lower-cased, each followed by a 0 byte. It fails for
// names holding a 0 byte, which would be ambiguous.
func sortKeys(sets []RRset) ([]string, bool) {
	n := 0
	for i := range sets {
		if strings.IndexByte(sets[i].Name, 0) >= 0 {
			return nil, false
		}
		n += len(sets[i].Name) + 1
	}
	buf := make([]byte, 0, n)
	ends := make([]int, len(sets))
	starts := make([]int, len(sets))
	for i := range sets {
		name := sets[i].Name
		if i > 0 && name == sets[i-1].Name {
			starts[i], ends[i] = starts[i-1], ends[i-1]
			continue
		}
		starts[i] = len(buf)
		for end := trimRootDot(name); end > 0; {
			start := labelStart(name, end)
			for j := start; j < end; j++ {
				c := name[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			}
			buf = append(buf, 0)
			end = start - 1
		}
		ends[i] = len(buf)
	}
	all := string(buf)
	keys := make([]string, len(sets))
	for i := range keys {
		keys[i] = all[starts[i]:ends[i]]
	}
	return keys, true
}
