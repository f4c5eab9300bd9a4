// Package configtest loads a provider block through config.Load, as twinzone does, for the
// tests of the provider folders: each folder proves its keys decode, default and fail with
// file:line:col like the rest of the config.
package configtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

// Load writes a twinzone.yaml whose providers are block (YAML lines, indented two spaces,
// defining providers "a" and "b") with one zone using a and b, and loads it with the types
// and the variables of env. Error lines are those of block plus one (the "providers:" line).
func Load(t testing.TB, types []config.ProviderType, block string, env map[string]string) (*config.Config, error) {
	t.Helper()
	dir := t.TempDir()
	zone := "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n"
	if err := os.WriteFile(filepath.Join(dir, "example.com.zone"), []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	body := "providers:\n" + block + "zones:\n  - name: example.com.\n    file: example.com.zone\n    primary: {provider: a}\n    secondary: {provider: b}\n"
	path := filepath.Join(dir, "twinzone.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.LoadWith(path, config.Types{Providers: types}, func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
}
