package config

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree, converting values into typed fields and collecting
// errors with positions. It never stops at the first error.
type decoder struct {
	*collector
	dir    string // absolute folder of the config file, base of relative paths
	lookup LookupFunc
	types  Types
	// declared holds "providers.<name>" and "registrars.<name>" for every entry, valid or not,
	// so that a reference to a broken entry is not reported as undefined as well.
	declared map[string]bool
	// missingZoneFiles accepts a zone file that does not exist (LoadForImport).
	missingZoneFiles bool
}

func (d *decoder) declare(path string) {
	if d.declared == nil {
		d.declared = map[string]bool{}
	}
	d.declared[path] = true
}

// pair is one key/value of a mapping, after merge keys ("<<") are applied.
type pair struct {
	key, val *yaml.Node
	name     string
}

// maxMergeDepth bounds nested merge keys ("<<: *a" inside a), which may form cycles.
const maxMergeDepth = 8

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.add(line, col, path, format, args...)
	if n != nil && n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		e := d.errs[len(d.errs)-1]
		e.Msg = unexpand(e.Msg, n.Value, d.lookup)
	}
}

var refRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// unexpand puts the ${NAME} references of raw back in place of their values in msg, so that
// an error about an expanded value never shows what the environment holds.
func unexpand(msg, raw string, lookup LookupFunc) string {
	for _, m := range refRE.FindAllStringSubmatch(raw, -1) {
		if v, ok := lookup(m[1]); ok && len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, m[0])
		}
	}
	return msg
}

// pairs returns the entries of mapping n, with merge keys expanded (explicit keys win) and
// duplicate keys reported. ok is false when n is neither a mapping nor null.
func (d *decoder) pairs(n *yaml.Node, path string) ([]pair, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", kindName(n))
		return nil, false
	}
	var out []pair
	m := &merger{seen: map[string]*yaml.Node{}, visited: map[*yaml.Node]bool{n: true}}
	d.collectPairs(n, path, 0, m, &out, true)
	return out, true
}

// merger is the state of one mapping's merge expansion: keys seen, and mappings already merged
// (each is merged once, so alias fan-out cannot blow up).
type merger struct {
	seen    map[string]*yaml.Node
	visited map[*yaml.Node]bool
}

func (d *decoder) collectPairs(n *yaml.Node, path string, depth int, m *merger, out *[]pair, explicit bool) {
	seen := m.seen
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], path, "keys must be plain strings")
			continue
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
			merges = append(merges, v)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			if explicit {
				d.errorf(k, path, "duplicate key %q (first at line %d)", k.Value, first.Line)
			}
			continue
		}
		seen[k.Value] = k
		*out = append(*out, pair{key: k, val: v, name: k.Value})
	}
	for _, mn := range merges {
		mn = resolve(mn)
		if depth >= maxMergeDepth {
			d.errorf(mn, path, "merge keys nested too deeply")
			return
		}
		var sources []*yaml.Node
		switch {
		case mn != nil && mn.Kind == yaml.MappingNode:
			sources = []*yaml.Node{mn}
		case mn != nil && mn.Kind == yaml.SequenceNode:
			for _, s := range mn.Content {
				sources = append(sources, resolve(s))
			}
		}
		if len(sources) == 0 && !isNull(mn) {
			d.errorf(mn, path, "merge key \"<<\" needs a mapping or a list of mappings")
		}
		for _, s := range sources {
			if s == nil || s.Kind != yaml.MappingNode {
				d.errorf(mn, path, "merge key \"<<\" needs a mapping or a list of mappings")
				continue
			}
			if m.visited[s] {
				continue
			}
			m.visited[s] = true
			d.collectPairs(s, path, depth+1, m, out, false)
		}
	}
}

// fields decodes mapping n with a fixed set of keys; any other key is an error.
func (d *decoder) fields(n *yaml.Node, path string, handlers map[string]func(path string, v *yaml.Node)) {
	ps, _ := d.pairs(n, path)
	for _, p := range ps {
		h, ok := handlers[p.name]
		if !ok {
			d.unknownKey(p.key, path, p.name, handlers)
			continue
		}
		h(join(path, p.name), p.val)
	}
}

func (d *decoder) unknownKey(k *yaml.Node, path, name string, handlers map[string]func(string, *yaml.Node)) {
	known := make([]string, 0, len(handlers))
	for h := range handlers {
		known = append(known, h)
	}
	slices.Sort(known)
	msg := fmt.Sprintf("unknown key %q", name)
	if s := suggest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else if len(known) > 0 {
		msg += " (known keys: " + strings.Join(known, ", ") + ")"
	}
	d.errorf(k, path, "%s", msg)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// scalar returns the expanded text of a scalar node; ok is false for null (unset) and after
// an error.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "expected a single value, got %s", kindName(n))
		return "", false
	}
	v, err := expand(n.Value, d.lookup)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return "", false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, path string, dst *string) bool {
	v, ok := d.scalar(n, path)
	if ok {
		*dst = strings.TrimSpace(v)
	}
	return ok
}

// requiredStr decodes a string that must not be empty. An empty or null value is reported
// once; a value already reported (an unset variable, a list) is not reported again.
func (d *decoder) requiredStr(n *yaml.Node, path, what string, dst *string) bool {
	ok := d.str(n, path, dst)
	if ok && *dst != "" {
		return true
	}
	if ok || isNull(resolve(n)) {
		d.errorf(resolve(n), path, "empty %s", what)
	}
	return false
}

// path decodes a file path; a relative one is made absolute against the config's folder.
func (d *decoder) path(n *yaml.Node, path string, dst *string) bool {
	var v string
	if !d.str(n, path, &v) {
		return false
	}
	if v == "" {
		d.errorf(resolve(n), path, "empty path")
		return false
	}
	if !filepath.IsAbs(v) {
		v = filepath.Join(d.dir, v)
	}
	*dst = filepath.Clean(v)
	return true
}

func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) {
	v, ok := d.scalar(n, path)
	if !ok {
		return
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		d.errorf(resolve(n), path, "%q is not a boolean: want true or false", v)
	}
}

func (d *decoder) integer(n *yaml.Node, path string, min int, dst *int) {
	v, ok := d.scalar(n, path)
	if !ok {
		return
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		d.errorf(resolve(n), path, "%q is not an integer", v)
		return
	}
	if i < min {
		d.errorf(resolve(n), path, "%d is out of range: must be at least %d", i, min)
		return
	}
	*dst = i
}

func (d *decoder) fraction(n *yaml.Node, path string, dst *float64) {
	v, ok := d.scalar(n, path)
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(resolve(n), path, "%q is not a number", v)
		return
	}
	if f < 0 || f > 1 {
		d.errorf(resolve(n), path, "%v is out of range: must be between 0 and 1", f)
		return
	}
	*dst = f
}

func (d *decoder) duration(n *yaml.Node, path string, min time.Duration, dst *time.Duration) {
	v, ok := d.scalar(n, path)
	if !ok {
		return
	}
	t, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		d.errorf(resolve(n), path, "%q is not a duration: want a Go duration such as 10s, 5m or 1h30m", v)
		return
	}
	if t < min {
		d.errorf(resolve(n), path, "%v is too short: must be at least %v", t, min)
		return
	}
	*dst = t
}

// oneOf decodes a string that must be one of choices (compared lower-case).
func (d *decoder) oneOf(n *yaml.Node, path string, dst *string, choices ...string) {
	v, ok := d.scalar(n, path)
	if !ok {
		return
	}
	v = strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(choices, v) {
		d.errorf(resolve(n), path, "%q is not valid: want %s", v, strings.Join(choices, ", "))
		return
	}
	*dst = v
}

// list returns the items of a sequence node; null is an empty list.
func (d *decoder) list(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list, got %s", kindName(n))
		return nil
	}
	return n.Content
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// suggest returns the candidate closest to s (edit distance at most 2), or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if dd := editDistance(s, c); dd < bestD {
			best, bestD = c, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
