package drill

import (
	"context"
	"os"
	"strings"
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
	for _, rr := range r.Resolvers {
		for name, tl := range map[string]Tally{"before": rr.Before, "during": rr.During, "after": rr.After} {
			if tl.Total == 0 {
				t.Errorf("%s: no resolution %s the outage", rr.Name, name)
			}
		}
		if rr.Before.OK != rr.Before.Total {
			t.Errorf("%s: resolution before the outage %s, want all (first failure: %s)", rr.Name, rr.Before, rr.Before.FirstError)
		}
		switch r.Mode {
		case "active-active":
			// Every resolver retries the other provider's server: no answer is lost (a floor,
			// not an exact figure, for a loaded machine), during the outage or after failback.
			for name, tl := range map[string]Tally{"during": rr.During, "failback": rr.Failback} {
				if tl.Share() < 0.95 {
					t.Errorf("active-active: %s: resolution %s %s, want >= 95%% (first failure: %s)", rr.Name, name, tl, tl.FirstError)
				}
			}
		case "switch":
			// A resolver recovers once the old delegation has left its cache and the SERVFAIL
			// it cached for the failed lookups has expired. Within the settle time, all must
			// succeed after it; a resolver that holds SERVFAIL longer (PowerDNS Recursor's
			// packetcache-servfail-ttl, 60 s) must still be failing, and only with SERVFAIL:
			// the README's explanation of its figure.
			if r.DelegationTTL+rr.ServfailHold+time.Second <= r.Settle {
				if rr.After.OK != rr.After.Total {
					t.Errorf("switch: %s: %d resolutions failed after the outage (%s; first: %s)", rr.Name, rr.After.Total-rr.After.OK, rr.After, rr.After.FirstError)
				}
				continue
			}
			if rr.After.OK == rr.After.Total {
				t.Errorf("switch: %s holds SERVFAIL for %s, yet every resolution after the outage succeeded: the README's explanation is wrong", rr.Name, rr.ServfailHold)
			}
			for reason := range rr.After.Errors {
				if !strings.HasSuffix(reason, "rcode SERVFAIL") {
					t.Errorf("switch: %s: after the outage a failure other than SERVFAIL: %s", rr.Name, reason)
				}
			}
		}
	}
}
