package zonefile

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// oracle runs a server's zone checker; a missing one skips the test, or fails it under CI.
func oracle(t *testing.T, name string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (make test-deps)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestWrittenFileLoads: what the quickstart writes (the example zone, whose apex NS twinzone
// does not manage, synced into a new zonefile provider) is a zone BIND's named-checkzone and
// Knot's kzonecheck load: the provider's own nameservers are its apex NS. Before, every such
// file was refused: "has no NS records".
func TestWrittenFileLoads(t *testing.T) {
	desired, err := zone.ParseFile(filepath.Join("..", "..", "..", "zones", "example.com.zone"), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "example.com.zone")
	p, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	p.SetApexNS("example.com.", []string{"ns1.primary.example.", "ns2.primary.example."})
	cur, err := p.Records(context.Background(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plan.Calculate(desired.RRsets, cur, plan.Options{Origin: "example.com.", Traits: p.Traits()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(context.Background(), "example.com.", pl.Changes); err != nil {
		t.Fatal(err)
	}
	written, err := zone.ParseFile(path, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	var ns, soa []string
	for _, s := range written.RRsets {
		if s.Name == "example.com." && s.Type == 2 {
			ns = s.Values
		}
		if s.Name == "example.com." && s.Type == 6 {
			soa = s.Values
		}
	}
	if strings.Join(ns, " ") != "ns1.primary.example. ns2.primary.example." || len(soa) != 1 || !strings.HasPrefix(soa[0], "ns1.primary.example. ") {
		t.Errorf("apex NS %q, SOA %q: want the provider's nameservers", ns, soa)
	}
	oracle(t, "named-checkzone", "example.com", path)
	oracle(t, "kzonecheck", "-o", "example.com.", path)

	// The next plan is empty: the apex NS is the provider's, not the zone file's.
	cur, err = p.Records(context.Background(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if pl, err := plan.Calculate(desired.RRsets, cur, plan.Options{Origin: "example.com.", Traits: p.Traits()}); err != nil || !pl.Empty() {
		t.Errorf("second plan: %v %v", err, pl)
	}
}
