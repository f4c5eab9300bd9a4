package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/zone"
)

// TestRenderVerifyOnly: the plan of a verify-only provider says it is never written and what
// its changes mean, in text and JSON; an empty one says it serves the zone by transfer.
func TestRenderVerifyOnly(t *testing.T) {
	www := &zone.RRset{Name: "www.example.com.", Type: 1, TTL: 300, Values: []string{"192.0.2.1"}}
	stale := &Plan{Provider: "sec", Origin: "example.com.", VerifyOnly: true, Existing: 3,
		Changes: []Change{{Action: Create, New: www}}, Counts: Counts{Create: 1}}
	fresh := &Plan{Provider: "sec", Origin: "example.com.", VerifyOnly: true, Existing: 4}
	plain := &Plan{Provider: "pri", Origin: "example.com.", Existing: 4}
	var b bytes.Buffer
	if err := RenderText(&b, []*Plan{stale, fresh, plain}, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"verify-only, never written: not yet transferred from the primary, or its feed is broken: 1 to create, 0 to update, 0 to delete (3 existing)",
		"no changes (4 existing; verify-only: serves the zone file by transfer)",
		"no changes (4 existing)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := RenderJSON(&b, []*Plan{stale, plain}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Zones []map[string]any `json:"zones"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Zones[0]["verify_only"] != true {
		t.Errorf("json of the verify-only plan: %v", doc.Zones[0])
	}
	if _, ok := doc.Zones[1]["verify_only"]; ok {
		t.Errorf("json of a plain plan has verify_only: %v", doc.Zones[1])
	}
}
