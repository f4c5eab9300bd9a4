package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli.md from the CLI")

const cliDocsPath = "../../docs/cli.md"

// TestCLIDocs fails when docs/cli.md is not what the CLI generates. Regenerate it with
//
//	go test ./cmd/twinzone -run TestCLIDocs -update
func TestCLIDocs(t *testing.T) {
	want, err := cliMarkdown()
	if err != nil {
		t.Fatal(err)
	}
	if *updateDocs {
		if err := os.WriteFile(cliDocsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", cliDocsPath)
	}
	got, err := os.ReadFile(cliDocsPath)
	if err != nil {
		t.Fatalf("%v\nGenerate it with: go test ./cmd/twinzone -run TestCLIDocs -update", err)
	}
	if string(got) != want {
		t.Fatalf("docs/cli.md is out of date with the CLI (first difference at line %d).\n"+
			"Regenerate it with: go test ./cmd/twinzone -run TestCLIDocs -update", firstDiffLine(string(got), want))
	}
	for _, cmd := range newApp(nil, nil).Commands {
		if !cmd.Hidden && !strings.Contains(want, "## "+cmd.Name) {
			t.Errorf("the reference has no section for %s", cmd.Name)
		}
		if !cmd.Hidden && cmd.Description != "" && !strings.Contains(want, strings.TrimSpace(cmd.Description)) {
			t.Errorf("the reference leaves out the description of %s", cmd.Name)
		}
	}
}

// TestDocsCommand: `twinzone docs` prints the same markdown as docs/cli.md, and a man page.
func TestDocsCommand(t *testing.T) {
	want, err := cliMarkdown()
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "docs", "--markdown")
	if code != 0 || out != want {
		t.Fatalf("docs --markdown: exit %d, same as cliMarkdown: %v\n%s", code, out == want, stderr)
	}
	code, out, stderr = runCLI(t, "docs", "--man")
	if code != 0 || !strings.Contains(out, ".TH twinzone 1") || !strings.Contains(out, "check") {
		t.Fatalf("docs --man: exit %d\n%.400s\n%s", code, out, stderr)
	}
	if code, _, _ := runCLI(t, "docs", "--man", "--markdown"); code != exitError {
		t.Errorf("docs --man --markdown: exit %d, want 1", code)
	}
	if strings.Contains(want, "## docs") {
		t.Error("the hidden docs command is in the reference")
	}
}

func firstDiffLine(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}
