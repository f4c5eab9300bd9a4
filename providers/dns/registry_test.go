package dnsproviders

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// Every row names a type once, decodes, tells `check` how to fix credentials, and opens
// only the settings its own Decode returns.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Table() {
		c := r.Config
		if c.Name == "" || c.Name != strings.ToLower(c.Name) || c.Decode == nil || c.CredentialHint == "" || r.Open == nil {
			t.Errorf("row %q is incomplete: %+v", c.Name, c)
		}
		if seen[c.Name] {
			t.Errorf("type %q twice in the table", c.Name)
		}
		seen[c.Name] = true
		if _, err := r.Open(context.Background(), struct{}{}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), c.Name) {
			t.Errorf("%s: Open of foreign settings: err = %v", c.Name, err)
		}
	}
	if len(Types().Providers) != len(Table()) {
		t.Error("Types() and Table() disagree")
	}
}

func TestOpen(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "a.zone")
	p, err := Open(context.Background(), &config.Provider{Name: "a", Type: "zonefile", Settings: &zonefile.Settings{Path: path}}, log)
	if err != nil || p == nil {
		t.Fatalf("Open zonefile: %v %v", p, err)
	}
	if _, err := Open(context.Background(), &config.Provider{Name: "x", Type: "dyn"}, log); err == nil || !strings.Contains(err.Error(), `type "dyn" is not supported`) {
		t.Errorf("unknown type: err = %v", err)
	}
	// A failing constructor returns a nil interface, not a typed nil.
	if p, err := Open(context.Background(), &config.Provider{Name: "cf", Type: "cloudflare", Settings: &cloudflare.Settings{}}, log); err == nil || p != nil {
		t.Errorf("cloudflare without a token: p = %#v, err = %v", p, err)
	}
}
