package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/reconcile"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/zonefile"
)

// newerZoneText is the deploy the controller has not seen: one more record, serial bumped.
const newerZoneText = `$ORIGIN example.test.
$TTL 300
@ SOA ns1.pri.test. hostmaster.example.test. 2026120202 3600 600 86400 60
@ NS ns1.pri.test.
www A 192.0.2.1
new A 192.0.2.2
`

func stampOfText(t *testing.T, text string) stamp.Stamp {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(text), testZone, "x.zone")
	if err != nil {
		t.Fatal(err)
	}
	return plan.StampOf(z.RRsets)
}

// fileLab is a lab whose controller reads its zone file from disk, with a periodic sync into
// two zonefile providers.
func fileLab(t *testing.T, edit ...func(*config.Zone)) (*lab, string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "example.test.zone")
	if err := os.WriteFile(file, []byte(testZoneText), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{"pri": filepath.Join(dir, "pri.zone"), "sec": filepath.Join(dir, "sec.zone")}
	l := newLab(t, config.ModeActiveActive, "", append(edit, func(z *config.Zone) { z.File = file })...)
	l.ctrl.opts.Sync = &reconcile.Options{Open: func(_ context.Context, name string) (provider.Provider, error) {
		return zonefile.New(zonefile.Config{Path: paths[name]})
	}}
	return l, file, paths
}

// TestNewerDeployIsNotReverted is the reverted deploy of issue 10: CI synced a newer zone
// file; the controller still has the old one. No provider is marked down, nothing is pushed,
// the controller reports that its copy is behind; given the new file, it adopts it.
func TestNewerDeployIsNotReverted(t *testing.T) {
	l, file, paths := fileLab(t)
	newer := stampOfText(t, newerZoneText)
	for _, s := range []interface{ SetStampText(string) }{l.pri[0], l.pri[1], l.sec} {
		s.SetStampText(newer.String())
	}
	for i := range 4 {
		l.round(t, i)
	}
	z := l.zone(t, l.ctrl)
	for _, p := range []string{"pri", "sec"} {
		if h := z.Engine().Health(p); h != failover.Up {
			t.Fatalf("%s is %s while it serves the newer deploy", p, h)
		}
	}
	if got := l.log.lines(`level=WARN msg="zone version" zone=example.test. verdict="the controller's zone file is behind`); len(got) != 1 {
		t.Fatalf("behind not reported once:\n%s", l.log)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_zone_file_behind{zone="example.test."} 1`) {
		t.Fatalf("metric:\n%s", grepLines(body, "behind"))
	}
	l.ctrl.SyncNow(context.Background())
	for p, path := range paths {
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("the periodic sync pushed the older file to %s", p)
		}
	}
	if got := l.log.lines(`msg="periodic sync skipped: the controller's zone file is not the newest version"`); len(got) != 1 {
		t.Fatalf("sync skip not logged:\n%s", l.log)
	}
	if want := newer; z.expectedStamp() != want {
		t.Fatalf("require_in_sync expects %s, want the newest known %s", z.expectedStamp().Short(), want.Short())
	}
	// A broken file is never adopted.
	if err := os.WriteFile(file, []byte("@ SOA broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.round(t, 4)
	l.round(t, 5)
	if z.Stamp() == newer || len(l.log.lines("level=ERROR", "does not parse")) != 1 {
		t.Fatalf("broken file: stamp %s; log:\n%s", z.Stamp().Short(), l.log)
	}
	// The new file reaches the controller: adopted without a restart, no longer behind.
	if err := os.WriteFile(file, []byte(newerZoneText), 0o600); err != nil {
		t.Fatal(err)
	}
	l.round(t, 6)
	if z.Stamp() != newer || len(l.log.lines(`msg="zone file changed: new version adopted"`)) != 1 {
		t.Fatalf("new file not adopted: %s\n%s", z.Stamp().Short(), l.log)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_zone_file_behind{zone="example.test."} 0`) {
		t.Fatalf("still behind:\n%s", grepLines(body, "behind"))
	}
	l.ctrl.SyncNow(context.Background())
	b, err := os.ReadFile(paths["sec"])
	if err != nil || !strings.Contains(string(b), "v=tz2 g=2026120202") || !strings.Contains(string(b), "192.0.2.2") {
		t.Fatalf("the adopted file was not synced: %v\n%s", err, b)
	}
}

// TestStaleProviderIsConverged: one provider serves an older version while the other serves
// the file's: the older one is stale (not down), and the periodic sync converges it.
func TestStaleProviderIsConverged(t *testing.T) {
	l, _, paths := fileLab(t)
	l.sec.SetStampText(stamp.New(strings.Repeat("e", 64), 2026113001).String())
	l.round(t, 0)
	l.round(t, 1)
	z := l.zone(t, l.ctrl)
	if z.Engine().Health("sec") != failover.Up || len(l.log.lines(`verdict="stale: sec: older than the newest version`)) != 1 {
		t.Fatalf("health %s; log:\n%s", z.Engine().Health("sec"), l.log)
	}
	if body := scrape(t, l.ctrl); !strings.Contains(body, `twinzone_provider_stale{provider="sec",zone="example.test."} 1`) ||
		!strings.Contains(body, `twinzone_provider_stale{provider="pri",zone="example.test."} 0`) {
		t.Fatalf("metric:\n%s", grepLines(body, "stale"))
	}
	l.ctrl.SyncNow(context.Background())
	b, err := os.ReadFile(paths["sec"])
	if err != nil || !strings.Contains(string(b), "v=tz2 g=2026120201") {
		t.Fatalf("stale provider not synced: %v\n%s", err, b)
	}
	h, _ := l.st.ZoneHistory(context.Background(), testZone)
	if h.LastSync == nil || h.LastSync.Generation == nil || *h.LastSync.Generation != 2026120201 || !h.LastSync.Providers["sec"] {
		t.Fatalf("last sync: %+v", h.LastSync)
	}
}

// TestUpgradeFromTz1: providers stamped by the previous release ("v=tz1 h=" of the same
// content) are in sync for the upgraded controller: nothing stale, nothing down, and a
// failover with require_in_sync goes through.
func TestUpgradeFromTz1(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	old := "v=tz1 h=" + plan.StampOf(desiredZone(t).RRsets).Hash
	for _, s := range []interface{ SetStampText(string) }{l.pri[0], l.pri[1], l.sec} {
		s.SetStampText(old)
	}
	l.round(t, 0)
	if got := l.log.lines(`msg="zone version"`); len(got) != 0 {
		t.Fatalf("a false verdict after the upgrade: %v", got)
	}
	l.killPrimary()
	l.round(t, 1)
	l.round(t, 2)
	if got := l.calls(); len(got) != 1 || got[0] != "ns1.sec.test." {
		t.Fatalf("failover to a tz1-stamped secondary: calls %v\n%s", got, l.log)
	}
}

// TestSameSerialOtherContent: a provider serves the file's SOA serial with other content (an
// edit without a serial bump): the controller warns and never pushes over it.
func TestSameSerialOtherContent(t *testing.T) {
	l, _, paths := fileLab(t)
	l.sec.SetStampText(stamp.New(strings.Repeat("e", 64), 2026120201).String())
	l.round(t, 0)
	if got := l.log.lines(`level=WARN msg="zone version"`, "share one SOA serial", "bump the SOA serial"); len(got) != 1 {
		t.Fatalf("log:\n%s", l.log)
	}
	l.ctrl.SyncNow(context.Background())
	if _, err := os.Stat(paths["sec"]); err == nil {
		t.Fatal("the controller pushed over a version with the same serial")
	}
}
