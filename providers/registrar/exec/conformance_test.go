package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
)

// TestConformance: a script keeps the delegation in a file; the reader (standing in for the
// parent's servers) reads the same file.
func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		state := filepath.Join(t.TempDir(), "ns")
		if err := os.WriteFile(state, []byte("ns1.old.net.\nns2.old.net.\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		held := func() []string {
			b, _ := os.ReadFile(state)
			return strings.Fields(string(b))
		}
		script := `while [ "$1" != "--" ]; do shift; done; shift; printf '%s\n' "$@" > "$STATE"`
		r, err := New(Config{Command: []string{"/bin/sh", "-c", script, "sh", "--set"}, Env: []string{"STATE=" + state},
			Reader: func(context.Context, string) ([]string, error) { return registrartest.Normalise(held()), nil }})
		if err != nil {
			t.Fatal(err)
		}
		return registrartest.Target{Registrar: r, Domain: "example.com.", Held: held}
	})
}
