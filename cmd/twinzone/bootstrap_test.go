package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportOnAFreshSetup: a config whose zone file does not exist yet (import is how it comes
// to exist), flags after the provider name (as import's own error message suggests), and the
// zone's ignore rules honoured; then validate accepts the result.
func TestImportOnAFreshSetup(t *testing.T) {
	dir := t.TempDir()
	cfg := twoFilesConfig + "    ignore: [{name: \"_acme-challenge.*\", type: TXT}]\n"
	served := "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ 300 IN NS ns1.example.net.\n" +
		"www 300 IN A 192.0.2.1\n_acme-challenge 60 IN TXT \"token-from-certbot\"\n_acme-challenge.www 60 IN TXT \"another\"\n"
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "a/example.com.zone": served})
	conf := filepath.Join(dir, "twinzone.yaml")
	out := filepath.Join(dir, "example.com.zone")

	if code, _, stderr := runCLI(t, "validate", "--config", conf); code != exitError || !strings.Contains(stderr, "twinzone import") {
		t.Fatalf("validate before import: exit %d, want 1 with a pointer to import:\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "import", "a", "--config", conf, "--zone", "example.com.", "--output", out)
	if code != 0 {
		t.Fatalf("import on a fresh setup: exit %d\n%s%s", code, stdout, stderr)
	}
	mustContain(t, "import", stderr, "left out by the zone's ignore rules: 2 RRsets", "wrote ")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "192.0.2.1") || strings.Contains(string(b), "token-from-certbot") || strings.Contains(string(b), "another") {
		t.Fatalf("imported zone file:\n%s", b)
	}
	if code, stdout, stderr := runCLI(t, "validate", "--config", conf); code != 0 {
		t.Fatalf("validate after import: exit %d\n%s%s", code, stdout, stderr)
	}
}
