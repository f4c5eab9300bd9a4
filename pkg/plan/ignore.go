package plan

import (
	"strings"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/zone"
)

// IgnoreRule keeps matching RRsets out of twinzone's hands: they are neither created, updated
// nor deleted on any provider.
//
// Name is a glob over an owner name, matched case-insensitively and label by label:
//   - a label that is exactly "*" matches zero or more whole labels, so
//     "_acme-challenge.*.example.com." matches "_acme-challenge.example.com." and
//     "_acme-challenge.www.example.com.", and "*.example.com." matches the whole zone;
//   - a "*" inside a label ("_dmarc*", "mail-*") matches any characters within that one label.
//
// A name without a trailing dot is relative to the zone origin. Type is a record type mnemonic
// ("TXT"); empty means every type.
type IgnoreRule struct {
	Name string
	Type string
}

type ignoreMatcher struct {
	labels []string // pattern labels from the root: "com", "example", "*", ...
	typ    uint16   // 0 = any
}

func compileIgnore(rules []IgnoreRule, origin string) ([]ignoreMatcher, error) {
	out := make([]ignoreMatcher, 0, len(rules))
	for _, r := range rules {
		name := strings.ToLower(strings.TrimSpace(r.Name))
		if name == "" {
			return nil, errorf("ignore rule with an empty name")
		}
		if !strings.HasSuffix(name, ".") {
			if origin == "" {
				return nil, errorf("ignore rule %q: relative name without a zone origin", r.Name)
			}
			name += "." + origin
			if origin == "." {
				name = strings.TrimSuffix(name, ".")
			}
		}
		m := ignoreMatcher{}
		labels := dns.SplitDomainName(name)
		for i := len(labels) - 1; i >= 0; i-- {
			m.labels = append(m.labels, labels[i])
		}
		if r.Type != "" && r.Type != "*" {
			t, ok := dns.StringToType[strings.ToUpper(r.Type)]
			if !ok {
				return nil, errorf("ignore rule %q: unknown record type %q", r.Name, r.Type)
			}
			m.typ = t
		}
		out = append(out, m)
	}
	return out, nil
}

func (m *ignoreMatcher) match(name string, typ uint16) bool {
	if m.typ != 0 && m.typ != typ {
		return false
	}
	return matchLabels(m.labels, strings.TrimSuffix(name, "."))
}

// matchLabels matches pattern labels (from the root) against name (no trailing dot), consuming
// name's labels from the right. It does not allocate.
func matchLabels(pat []string, name string) bool {
	for len(pat) > 0 {
		p := pat[0]
		if p == "*" {
			rest := pat[1:]
			if len(rest) == 0 {
				return true
			}
			for n := name; ; {
				if matchLabels(rest, n) {
					return true
				}
				if n == "" {
					return false
				}
				_, n = zone.LastLabel(n)
			}
		}
		if name == "" {
			return false
		}
		l, rest := zone.LastLabel(name)
		if !matchLabel(p, l) {
			return false
		}
		pat, name = pat[1:], rest
	}
	return name == ""
}

// matchLabel matches one label against a pattern label where '*' matches any run of
// characters, ASCII case-insensitively.
func matchLabel(p, s string) bool {
	star := strings.IndexByte(p, '*')
	if star < 0 {
		return zone.CompareLabels(p, s) == 0
	}
	if len(s) < star || zone.CompareLabels(p[:star], s[:star]) != 0 {
		return false
	}
	p, s = p[star+1:], s[star:]
	for i := 0; i <= len(s); i++ {
		if matchLabel(p, s[i:]) {
			return true
		}
	}
	return false
}

// Ignorer returns a function that reports whether an RRset is covered by rules (relative
// names are under origin), for the code that reads provider data outside a plan (import).
func Ignorer(rules []IgnoreRule, origin string) (func(zone.Key) bool, error) {
	ms, err := compileIgnore(rules, origin)
	if err != nil {
		return nil, err
	}
	return func(k zone.Key) bool { return ignored(ms, k) }, nil
}

// ignored reports whether any matcher covers the key.
func ignored(ms []ignoreMatcher, k zone.Key) bool {
	for i := range ms {
		if ms[i].match(k.Name, k.Type) {
			return true
		}
	}
	return false
}
