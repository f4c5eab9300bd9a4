package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

const origin = "example.test."

func zoneText(serial, extra string) string {
	return "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1.example.test. hostmaster.example.test. " + serial +
		" 3600 600 86400 60\n@ NS ns1.example.test.\nwww A 192.0.2.1\n_acme-challenge TXT \"kept\"\n" + extra
}

func parse(t *testing.T, text string) *zone.Zone {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(text), origin, "example.test.zone")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// env is a zone on two zonefile providers, with a state directory for the history.
type env struct {
	zc    *config.Zone
	paths map[string]string
	st    *state.Store
	open  Opener
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{paths: map[string]string{"pri": filepath.Join(dir, "pri.zone"), "sec": filepath.Join(dir, "sec.zone")}}
	e.zc = &config.Zone{Name: origin, Primary: config.ProviderRef{Provider: "pri"}, Secondary: config.ProviderRef{Provider: "sec"},
		Safety: config.Safety{MaxChangeFraction: 1, MinExisting: 1000}, Ignore: []config.IgnoreRule{{Name: "_acme-challenge.example.test.", Type: "TXT"}}}
	var err error
	if e.st, err = state.Open(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	e.open = func(_ context.Context, name string) (provider.Provider, error) {
		if name == "broken" {
			return nil, errors.New("no credentials")
		}
		return zonefile.New(zonefile.Config{Path: e.paths[name]})
	}
	return e
}

func (e *env) sync(t *testing.T, z *zone.Zone, o Options) Result {
	t.Helper()
	ctx := context.Background()
	lease, err := e.st.Acquire(ctx, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Unlock()
	o.Open, o.History, o.Lease = e.open, e.st, lease
	return RunOnce(ctx, Zone{Config: e.zc, Desired: z}, o)
}

func TestRunOnceSyncsRecordsAndHonoursIgnore(t *testing.T) {
	e := newEnv(t)
	// A record the ignore rule protects, on one provider before the first sync.
	if err := os.WriteFile(e.paths["sec"], []byte("$ORIGIN example.test.\n_acme-challenge 60 IN TXT \"token-from-certbot\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	z := parse(t, zoneText("2026120201", ""))
	res := e.sync(t, z, Options{})
	if len(res.Errs) > 0 || len(res.Plans) != 2 {
		t.Fatalf("errs %v, %d plans", res.Errs, len(res.Plans))
	}
	b, _ := os.ReadFile(e.paths["sec"])
	if !strings.Contains(string(b), "token-from-certbot") || !strings.Contains(string(b), "v=tz2 g=2026120201") {
		t.Fatalf("the secondary after sync (ignore rule, stamp):\n%s", b)
	}
	h, _ := e.st.ZoneHistory(context.Background(), origin)
	if h.LastSync == nil || *h.LastSync.Generation != 2026120201 || !h.LastSync.Providers["pri"] || !h.LastSync.Providers["sec"] {
		t.Fatalf("last sync: %+v", h.LastSync)
	}
	if evs, _ := e.st.Events(origin, 0); len(evs) != 1 || evs[0].Kind != state.KindSync {
		t.Fatalf("journal: %+v", evs)
	}
}

// TestRunOnceNoDowngrade: a file older (by serial) than what a provider serves is refused,
// unless Force; the same serial with other content passes with a note.
func TestRunOnceNoDowngrade(t *testing.T) {
	e := newEnv(t)
	if res := e.sync(t, parse(t, zoneText("2026120202", "new A 192.0.2.2\n")), Options{}); len(res.Errs) > 0 {
		t.Fatal(res.Errs)
	}
	older := parse(t, zoneText("2026120201", ""))
	res := e.sync(t, older, Options{})
	if len(res.Errs) != 2 || !errors.Is(res.Errs[0], plan.ErrUnsafe) || !strings.Contains(res.Errs[0].Error(), "newer than this zone file") {
		t.Fatalf("an older file: %v", res.Errs)
	}
	if b, _ := os.ReadFile(e.paths["pri"]); !strings.Contains(string(b), "192.0.2.2") {
		t.Fatal("the refused sync removed the newer record")
	}
	same := parse(t, zoneText("2026120202", "other A 192.0.2.3\n"))
	res = e.sync(t, same, Options{})
	if len(res.Errs) > 0 || len(res.Notes) != 2 || !strings.Contains(res.Notes[0], "bump the SOA serial") {
		t.Fatalf("same serial, other content: errs %v notes %v", res.Errs, res.Notes)
	}
	if res := e.sync(t, older, Options{Force: true}); len(res.Errs) > 0 {
		t.Fatalf("--force rolls back: %v", res.Errs)
	}
}

func TestRunOnceProviderThatCannotOpen(t *testing.T) {
	e := newEnv(t)
	e.zc.Secondary.Provider = "broken"
	res := e.sync(t, parse(t, zoneText("1", "")), Options{DryRun: true})
	if len(res.Errs) != 1 || !strings.Contains(res.Errs[0].Error(), "no credentials") || len(res.Plans) != 2 {
		t.Fatalf("errs %v plans %d", res.Errs, len(res.Plans))
	}
	if res.Plans[0].Error == "" || res.Plans[0].Provider != "broken" || res.Plans[1].Provider != "pri" {
		t.Fatalf("the unopened provider is a failed row: %+v", res.Plans)
	}
	if _, err := os.Stat(e.paths["pri"]); err == nil {
		t.Fatal("a dry run wrote")
	}
	if h, _ := e.st.ZoneHistory(context.Background(), origin); h.LastSync != nil {
		t.Fatal("a dry run was recorded")
	}
}
