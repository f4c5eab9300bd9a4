package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, every error must name the
// file, and a loaded config must hold the invariants callers rely on.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		fullConfig, minimal, "", "---\n", "[", "a: &a [*a]", "a: &a {<<: *a}",
		minimal + "    probe: &p {interval: 1s, timeout: 500ms}\n    failover: {<<: [*p]}\n",
		"providers: {a: {type: cloudflare, api_token: \"${CLOUDFLARE_API_TOKEN}\"}}\nzones: [{name: x., file: zones/example.com.zone}]\n",
		minimal + "    ignore: [{name: \"*\"}, {name: \"a.*.b\", type: A}]\n",
		"zones:\n  - name: ${ZONE_DIR}\n    file: ${ZONE_DIR}/example.org.zone\n",
		mergeBomb(),
	} {
		f.Add([]byte(seed))
	}
	for _, ex := range []string{"twinzone.yaml", "lab/twinzone.yaml", "quickstart/twinzone.yaml"} {
		if data, err := os.ReadFile(filepath.Join("..", "..", "examples", ex)); err == nil {
			f.Add(data)
		}
	}
	path := writeConfig(f, minimal)
	abs, _ := filepath.Abs(path)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(path, abs, data, testTypes, testLookup)
		if err != nil {
			var list *config.Errors
			if !errors.As(err, &list) || len(list.List) == 0 || len(list.List) > config.MaxErrors {
				t.Fatalf("error is not a bounded *Errors: %T %v", err, err)
			}
			for _, e := range list.List {
				if e.File != path || !strings.HasPrefix(e.Error(), path+":") {
					t.Fatalf("error without file name: %q", e.Error())
				}
			}
			for name, v := range testSecrets {
				if len(v) > 8 && name != "NOT_BASE64" && name != "ZONE_DIR" && strings.Contains(err.Error(), v) && !strings.Contains(string(data), v) {
					t.Fatalf("error shows the value of %s", name)
				}
			}
			return
		}
		if len(cfg.Zones) == 0 {
			t.Fatal("loaded a config without zones")
		}
		for _, z := range cfg.Zones {
			if !strings.HasSuffix(z.Name, ".") || z.Name != strings.ToLower(z.Name) || !filepath.IsAbs(z.File) {
				t.Fatalf("zone not canonical: %+v", z)
			}
			for _, ref := range []string{z.Primary.Provider, z.Secondary.Provider} {
				if _, ok := cfg.Providers[ref]; !ok {
					t.Fatalf("zone %s names undefined provider %q", z.Name, ref)
				}
			}
			if z.Primary.Provider == z.Secondary.Provider {
				t.Fatalf("zone %s: same provider twice", z.Name)
			}
			if z.Registrar != "" && cfg.Registrars[z.Registrar] == nil {
				t.Fatalf("zone %s names undefined registrar %q", z.Name, z.Registrar)
			}
			for _, r := range z.Ignore {
				r.Match(z.Name, "A")
			}
		}
	})
}

// mergeBomb nests merge keys with a fan-out of 10 over 6 levels: expanded naively that is a
// million merges; the loader merges each mapping once.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("x0: &x0 {interval: 5s}\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*x%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString(minimal + "    probe: {<<: *x6}\n")
	return b.String()
}
