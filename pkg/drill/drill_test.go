package drill

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// TestDrill runs the drill on real servers once per mode and checks its own figures (issue
// 5's acceptance). With TWINZONE_DRILL_OUT set, the table is written to that file.
func TestDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("drill: -short")
	}
	dnsserver.LockPort53(t)
	var reports []Report
	for _, mode := range []string{"active-active", "switch"} {
		t.Run(mode, func(t *testing.T) {
			lab := StartLab(t, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			r, err := Run(ctx, lab, Options{})
			t.Logf("drill %s:\n%s\n%s", mode, r, r.TimelineString())
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, r)
			checkReport(t, r)
		})
	}
	if len(reports) == 0 {
		return
	}
	table := Table(reports...)
	t.Logf("drill:\n%s", table)
	if out := os.Getenv("TWINZONE_DRILL_OUT"); out != "" {
		if err := os.WriteFile(out, []byte("\n"+table+"\n"), 0o644); err != nil {
			t.Errorf("write %s: %v", out, err)
		}
	}
}

func checkReport(t *testing.T, r Report) {
	t.Helper()
	if limit := time.Duration(r.FailAfter)*r.Interval + 2*time.Second; r.Detect <= 0 || r.Detect > limit {
		t.Errorf("detection took %s, want within fail_after x interval + 2 s = %s", r.Detect, limit)
	}
	if !(r.Detect <= r.RegistrarCall && r.RegistrarCall <= r.ParentPublished) {
		t.Errorf("out of order: detect %s, registrar call %s, parent published %s", r.Detect, r.RegistrarCall, r.ParentPublished)
	}
	for name, tl := range map[string]Tally{"before": r.Before, "during": r.During, "after": r.After} {
		if tl.Total == 0 {
			t.Errorf("no resolution %s the outage", name)
		}
	}
	if r.Before.OK != r.Before.Total {
		t.Errorf("resolution before the outage %s, want all (first failure: %s)", r.Before, r.Before.FirstError)
	}
	switch r.Mode {
	case "active-active":
		if r.During.Share() < 0.99 {
			t.Errorf("active-active: resolution during the outage %s, want >= 99%% (first failure: %s)", r.During, r.During.FirstError)
		}
	case "switch":
		if r.After.OK != r.After.Total {
			t.Errorf("switch: %d resolutions failed after the delegation TTL expired (%s; first: %s)", r.After.Total-r.After.OK, r.After, r.After.FirstError)
		}
	}
}
