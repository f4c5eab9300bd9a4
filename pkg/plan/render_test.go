package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func samplePlans(t *testing.T) []*Plan {
	t.Helper()
	desired := []zone.RRset{soa(t),
		rr(t, "www.example.com.", "A", 300, "192.0.2.1"),
		rr(t, "mail.example.com.", "MX", 600, "10 mx1.example.com.", "20 mx3.example.com."),
		rr(t, "dkim._domainkey.example.com.", "TXT", 300, `"v=DKIM1; k=rsa; p=`+strings.Repeat("Q", 300)+`"`),
		rr(t, "pipe.example.com.", "TXT", 300, `"a|b <c> `+"`d`"+`"`),
		rr(t, "kept.example.com.", "AAAA", 300, "2001:db8::1"),
	}
	current := []zone.RRset{
		rr(t, "mail.example.com.", "MX", 300, "10 mx1.example.com.", "20 mx2.example.com."),
		rr(t, "old.example.com.", "A", 300, "192.0.2.9"),
		rr(t, "kept.example.com.", "AAAA", 300, "2001:db8::1"),
		rr(t, "alias.example.com.", "A", 60, "192.0.2.10"),
	}
	a, err := Calculate(desired, current, Options{Provider: "cf", Stamp: stamp.Stamp{Hash: strings.Repeat("0", 64)},
		Unmanaged: []zone.Key{{Name: "alias.example.com.", Type: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Calculate(desired, a.apply(current), Options{Provider: "aws", Stamp: stamp.Stamp{Hash: strings.Repeat("0", 64)}})
	if err != nil {
		t.Fatal(err)
	}
	return []*Plan{a, b, Failed("example.com.", "knot", errors.New("read: dial tcp 127.0.0.1:1: connection refused"))}
}

func (p *Plan) apply(current []zone.RRset) []zone.RRset {
	out := apply(current, p.Changes)
	var kept []zone.RRset
	for _, s := range out {
		if s.Name != "alias.example.com." {
			kept = append(kept, s)
		}
	}
	return kept
}

func bigPlan(t *testing.T) *Plan {
	var desired []zone.RRset
	for i := range 60 {
		desired = append(desired, rr(t, fmt.Sprintf("h%02d.example.com.", i), "A", 300, "192.0.2.1"))
	}
	p, err := Calculate(desired, nil, Options{Origin: "example.com.", Provider: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRenderGolden(t *testing.T) {
	plans := samplePlans(t)
	var buf bytes.Buffer
	render := func(f func() error) []byte {
		buf.Reset()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(buf.Bytes())
	}
	golden(t, "plan.txt", render(func() error { return RenderText(&buf, plans, false) }))
	golden(t, "plan_color.txt", render(func() error { return RenderText(&buf, plans, true) }))
	golden(t, "plan.json", render(func() error { return RenderJSON(&buf, plans) }))
	golden(t, "plan.md", render(func() error { return RenderMarkdown(&buf, plans) }))
	golden(t, "plan_big.md", render(func() error { return RenderMarkdown(&buf, []*Plan{bigPlan(t)}) }))

	txt := render(func() error { return RenderText(&buf, plans, false) })
	if bytes.Contains(txt, []byte("\x1b[")) {
		t.Error("colour codes without color")
	}
	big := string(render(func() error { return RenderMarkdown(&buf, []*Plan{bigPlan(t)}) }))
	if !strings.Contains(big, "<details>") {
		t.Error("big plan not folded")
	}
	if strings.Contains(string(render(func() error { return RenderMarkdown(&buf, plans) })), "<details>") {
		t.Error("small plan folded")
	}
}

// TestJSONSchema decodes the JSON output generically and checks every documented field and
// type, so that a change to the schema fails here, not in a user's pipeline.
func TestJSONSchema(t *testing.T) {
	plans := samplePlans(t)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, plans); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	keysOf := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return strings.Join(sorted(ks), ",")
	}
	if keysOf(doc) != "version,zones" || doc["version"] != float64(1) {
		t.Fatalf("top level: %v", doc)
	}
	zones := doc["zones"].([]any)
	if len(zones) != 3 {
		t.Fatalf("zones: %d", len(zones))
	}
	for zi, zv := range zones {
		z := zv.(map[string]any)
		if plans[zi].Error != "" {
			if keysOf(z) != "changes,error,provider,summary,unmanaged,zone" || z["error"] != plans[zi].Error {
				t.Fatalf("failed zone: %v", z)
			}
			continue
		}
		if keysOf(z) != "changes,provider,summary,unmanaged,zone" {
			t.Fatalf("zone keys: %s", keysOf(z))
		}
		if z["zone"] != "example.com." || z["provider"] != plans[zi].Provider {
			t.Errorf("zone %v provider %v", z["zone"], z["provider"])
		}
		s := z["summary"].(map[string]any)
		if keysOf(s) != "create,delete,existing,ignored,stamp,update" {
			t.Errorf("summary keys %s", keysOf(s))
		}
		changes := z["changes"].([]any)
		if len(changes) != len(plans[zi].Changes) {
			t.Errorf("changes %d", len(changes))
		}
		n := map[string]int{}
		for _, cv := range changes {
			c := cv.(map[string]any)
			act := c["action"].(string)
			if c["name"] == "_twinzone.example.com." {
				if s["stamp"] != true {
					t.Errorf("the stamp changes, summary.stamp = %v", s["stamp"])
				}
			} else {
				n[act]++ // the summary does not count the stamp
			}
			want := map[string]string{"create": "action,name,new,type", "update": "action,name,new,old,type", "delete": "action,name,old,type"}[act]
			if keysOf(c) != want {
				t.Errorf("%s change keys %s", act, keysOf(c))
			}
			for _, side := range []string{"old", "new"} {
				if d, ok := c[side].(map[string]any); ok {
					if keysOf(d) != "ttl,values" {
						t.Errorf("rrdata keys %s", keysOf(d))
					}
					_ = d["ttl"].(float64)
					for _, v := range d["values"].([]any) {
						_ = v.(string)
					}
				}
			}
		}
		for act, cnt := range n {
			if s[act].(float64) != float64(cnt) {
				t.Errorf("summary %s = %v, %d changes", act, s[act], cnt)
			}
		}
		for _, uv := range z["unmanaged"].([]any) {
			if keysOf(uv.(map[string]any)) != "name,reason,type" {
				t.Errorf("unmanaged keys")
			}
		}
	}
	if len(zones[0].(map[string]any)["unmanaged"].([]any)) != 1 {
		t.Error("unmanaged entry missing")
	}
}

// TestFailedPlanInEveryFormat: a provider that could not be read is an error row in text,
// JSON and markdown, next to the provider that worked.
func TestFailedPlanInEveryFormat(t *testing.T) {
	plans := samplePlans(t)
	for name, render := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return RenderText(b, plans, false) },
		"json":     func(b *bytes.Buffer) error { return RenderJSON(b, plans) },
		"markdown": func(b *bytes.Buffer) error { return RenderMarkdown(b, plans) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "knot") || !strings.Contains(out, "connection refused") || !strings.Contains(strings.ToLower(out), "error") {
			t.Errorf("%s: the failed provider is missing:\n%s", name, out)
		}
	}
}

// TestSummaryStamp: the sync stamp is named, never counted as a change.
func TestSummaryStamp(t *testing.T) {
	desired := []zone.RRset{rr(t, "www.example.com.", "A", 300, "192.0.2.1")}
	p, err := Calculate(desired, desired, Options{Origin: "example.com.", Provider: "lab", Stamp: stamp.Stamp{Hash: strings.Repeat("1", 64)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || !p.IsStamp(p.Changes[0]) {
		t.Fatalf("want a stamp-only plan: %+v", p.Changes)
	}
	if got := summary(p); !strings.HasPrefix(got, "no changes (") || !strings.Contains(got, "sync stamp") {
		t.Errorf("stamp-only summary: %q", got)
	}
	p2, err := Calculate(append(desired, rr(t, "x.example.com.", "A", 300, "192.0.2.2")), desired, Options{Origin: "example.com.", Provider: "lab", Stamp: stamp.Stamp{Hash: strings.Repeat("1", 64)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(p2); !strings.HasPrefix(got, "1 to create, 0 to update, 0 to delete") {
		t.Errorf("one record and the stamp: %q", got)
	}
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// TestColourResetBeforeNewline: in coloured text output every colour is reset before the end
// of its line, so a terminal never paints the next line (or the prompt) in red.
func TestColourResetBeforeNewline(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderText(&buf, append(samplePlans(t), bigPlan(t)), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ansiGreen) {
		t.Fatal("no colour in coloured output: the test proves nothing")
	}
	for i, line := range strings.Split(buf.String(), "\n") {
		if open := strings.LastIndex(line, "\x1b[3"); open >= 0 && !strings.Contains(line[open:], ansiReset) {
			t.Errorf("line %d ends with a colour set: %q", i+1, line)
		}
	}
}
