package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	rfc2136reg "github.com/twinzone/twinzone/providers/registrar/rfc2136"
)

// loadExample copies examples/<rel> into a temporary tree with zones/example.com.zone at the
// place the example expects, and loads it.
func loadExample(t *testing.T, rel string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", rel))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	path := filepath.Join(root, "examples", rel)
	for _, dir := range []string{filepath.Dir(path), filepath.Join(root, "zones")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "zones", "example.com.zone"), []byte("$ORIGIN example.com.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadWith(path, testTypes, testLookup)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if z, ok := c.Zone("example.com."); !ok || z.File != filepath.Join(root, "zones", "example.com.zone") {
		t.Fatalf("%s: zone example.com. = %+v", rel, z)
	}
	return c
}

func TestExampleConfig(t *testing.T) {
	c := loadExample(t, "twinzone.yaml")
	z, _ := c.Zone("example.com.")
	if z.Primary.Provider != "cloudflare" || c.Providers["cloudflare"].Type != "cloudflare" ||
		z.Secondary.Provider != "route53" || c.Providers["route53"].Type != "route53" ||
		z.Registrar != "domains" || len(z.Secondary.Nameservers) != 4 || len(c.Warnings) != 0 {
		t.Errorf("example: %+v, warnings %q", z, c.Warnings)
	}
	if !z.Ignored("_acme-challenge.www.example.com.", "TXT") || z.Ignored("www.example.com.", "TXT") {
		t.Error("example ignore rule does not cover ACME challenges only")
	}
}

func TestLabConfig(t *testing.T) {
	c := loadExample(t, filepath.Join("lab", "twinzone.yaml"))
	z, _ := c.Zone("example.com.")
	if c.Providers["bind"].Settings.(*rfc2136.Settings).Server != "127.0.0.1:5301" || c.Registrars["parent"].Settings.(*rfc2136reg.Settings).Zone != "com." ||
		z.Probe.Timeout != 500e6 || z.Failover.Failback != config.FailbackAuto {
		t.Errorf("lab: %+v", z)
	}
}

// TestExampleRegistrarReferences: every registrar line commented out for reference in
// examples/twinzone.yaml loads as written (so the reference cannot rot), and every registrar
// type of the build has such a line.
func TestExampleRegistrarReferences(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "twinzone.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^  # ([a-z]+): +(\{type: .*\})`)
	var body strings.Builder
	body.WriteString("registrars:\n")
	seen := map[string]bool{"route53domains": true} // the example's live registrar
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		fmt.Fprintf(&body, "  %s: %s\n", m[1], m[2])
		seen[regexp.MustCompile(`type: ([a-z0-9]+)`).FindStringSubmatch(m[2])[1]] = true
	}
	for _, rt := range testTypes.Registrars {
		if !seen[rt.Name] {
			t.Errorf("examples/twinzone.yaml has no reference line for registrar type %s", rt.Name)
		}
	}
	body.WriteString("providers:\n  a: {type: zonefile, path: a.zone}\n  b: {type: zonefile, path: b.zone}\n" +
		"zones:\n  - {name: example.com., file: example.com.zone, primary: {provider: a}, secondary: {provider: b}}\n")
	path := writeConfig(t, body.String())
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "example.com.zone"), []byte("$ORIGIN example.com.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadWith(path, testTypes, func(string) (string, bool) { return "c2VjcmV0LXZhbHVlLTEyMzQ1Ng==", true })
	if err != nil {
		t.Fatalf("the reference lines do not load:\n%s\n%v", body.String(), err)
	}
	if len(c.Registrars) < len(testTypes.Registrars)-1 {
		t.Errorf("%d registrars loaded from the reference lines", len(c.Registrars))
	}
}
