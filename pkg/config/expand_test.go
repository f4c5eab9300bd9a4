package config

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "B_2": "beta", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"${A}", "alpha", ""},
		{"x-${A}-${B_2}-y", "x-alpha-beta-y", ""},
		{"${EMPTY}", "", ""},
		{"$$", "$", ""},
		{"$${A}", "${A}", ""},
		{"cost $5", "cost $5", ""},
		{"end$", "end$", ""},
		{"$A", "$A", ""},
		{"${MISSING}", "", "environment variable MISSING is not set"},
		{"${A", "", "unterminated"},
		{"${}", "", "invalid variable reference"},
		{"${1A}", "", "invalid variable reference"},
		{"${A-B}", "", "invalid variable reference"},
	}
	for _, tc := range cases {
		got, err := expand(tc.in, lookup)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("expand(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSoleRef(t *testing.T) {
	for in, want := range map[string]string{"${TOKEN}": "TOKEN", " ${T_1} ": "T_1", "${A}${B}": "", "x${A}": "", "$A": "", "${}": "", "token": ""} {
		got, ok := soleRef(in)
		if got != want && ok || (want != "") != ok {
			t.Errorf("soleRef(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestIgnoreMatch(t *testing.T) {
	zone := "example.com."
	cases := []struct {
		pattern, typ, owner, rrtype string
		want                        bool
	}{
		{"_acme-challenge.*", "TXT", "_acme-challenge.example.com.", "TXT", true},
		{"_acme-challenge.*", "TXT", "_acme-challenge.www.example.com.", "TXT", true},
		{"_acme-challenge.*", "TXT", "_ACME-challenge.a.b.example.com.", "txt", true},
		{"_acme-challenge.*", "TXT", "_acme-challenge.example.com.", "CNAME", false},
		{"_acme-challenge.*", "TXT", "x_acme-challenge.example.com.", "TXT", false},
		{"_acme-challenge.*", "TXT", "_acme-challenge.example.org.", "TXT", false},
		{"www", "", "www.example.com.", "A", true},
		{"www", "", "www.example.com.", "AAAA", true},
		{"www", "", "a.www.example.com.", "A", false},
		{"*.dev", "", "a.dev.example.com.", "A", true},
		{"*.dev", "", "dev.example.com.", "A", true},
		{"*.dev", "", "devx.example.com.", "A", false},
		{"*", "", "example.com.", "SOA", true},
		{"*", "", "a.b.example.com.", "A", true},
		{"*", "", "example.org.", "A", false},
		{"a*b", "", "ax.yb.example.com.", "A", false},
		{"a*b*c", "", "abxbc.example.com.", "A", true},
		{"a*b*c", "", "acb.example.com.", "A", false},
		{"a.*.b", "", "a.x.y.b.example.com.", "A", true},
		{"a.*.b", "", "a.b.example.com.", "A", true},
		{"a.*.b", "", "a.x.c.example.com.", "A", false},
		{"@", "NS", "example.com.", "NS", true},
		{"@", "NS", "www.example.com.", "NS", false},
		{"legacy.example.com.", "", "legacy.example.com.", "MX", true},
		{"mail*", "", "mail2.example.com.", "A", true},
		{"mail*", "", "mx.example.com.", "A", false},
	}
	for _, tc := range cases {
		z := &Zone{Name: zone, Ignore: []IgnoreRule{{Name: tc.pattern, Type: tc.typ}}}
		(&decoder{collector: &collector{file: "t"}}).finishIgnore(z)
		if got := z.Ignored(tc.owner, tc.rrtype); got != tc.want {
			t.Errorf("pattern %q (%s) vs %s %s = %v, want %v (rule %q)", tc.pattern, tc.typ, tc.owner, tc.rrtype, got, tc.want, z.Ignore[0].Name)
		}
	}
	// A rule built by hand (no compiled pattern) matches the same way.
	if !(IgnoreRule{Name: "_acme-challenge.*.example.com."}).Match("_acme-challenge.example.com.", "TXT") {
		t.Error("hand-built rule does not match")
	}
}
