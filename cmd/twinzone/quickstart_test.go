package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart runs the README's first command on a copy of examples/quickstart: the first
// plan shows changes (exit 2 with --exit-code), sync converges, the next plan is empty.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	cfg, err := os.ReadFile("../../examples/quickstart/twinzone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	zoneText, err := os.ReadFile("../../zones/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"examples/quickstart/twinzone.yaml": string(cfg),
		"zones/example.com.zone":            string(zoneText),
	})
	conf := filepath.Join(dir, "examples/quickstart/twinzone.yaml")
	if code, _, stderr := runCLI(t, "validate", "--config", conf); code != 0 {
		t.Fatalf("validate: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCLI(t, "plan", "--config", conf, "--exit-code")
	if code != exitChanges {
		t.Fatalf("first plan: exit %d, want %d: %s%s", code, exitChanges, out, stderr)
	}
	mustContain(t, "plan", out, "on primary", "on secondary", "_twinzone.example.com.")
	code, out, stderr = runCLI(t, "sync", "--config", conf)
	if code != 0 {
		t.Fatalf("sync: exit %d: %s%s", code, out, stderr)
	}
	if strings.ContainsAny(stderr, "█\r") {
		t.Errorf("a progress bar was drawn although stderr is not a terminal:\n%q", stderr)
	}
	for _, p := range []string{"primary", "secondary"} {
		b, err := os.ReadFile(filepath.Join(dir, "examples/quickstart", p, "example.com.zone"))
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, p+" zone file", string(b), "_twinzone", "v=tz2 g=")
	}
	if code, out, stderr := runCLI(t, "plan", "--config", conf, "--exit-code"); code != 0 {
		t.Fatalf("plan after sync: exit %d, want 0 (empty plan): %s%s", code, out, stderr)
	}
	// import writes what a provider serves as a zone file that validates.
	imported := filepath.Join(dir, "imported.zone")
	if code, out, stderr := runCLI(t, "import", "--config", conf, "--output", imported, "primary"); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, stderr)
	}
	b, err := os.ReadFile(imported)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatal("import wrote an empty file")
	}
	if code, _, _ := runCLI(t, "import", "--config", conf, "--output", imported, "primary"); code != exitError {
		t.Fatalf("import over an existing file without --overwrite: exit %d, want 1", code)
	}
}
