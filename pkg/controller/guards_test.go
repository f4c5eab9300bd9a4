package controller

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
)

// TestRetryEvery: after a failed attempt (here the registrar is down) the same change is tried
// again after failover.retry_every, not every round; and a registrar that cannot tell the
// delegation at start is a WARN.
func TestRetryEvery(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "", func(z *config.Zone) { z.Failover.RetryEvery = 45 * time.Second })
	if got := l.log.lines(`level=WARN msg="registrar cannot tell the current delegation`); len(got) != 1 {
		t.Fatalf("registrar unreadable at start:\n%s", l.log)
	}
	l.reg.mu.Lock()
	l.reg.fail = errors.New("registrar API down")
	l.reg.mu.Unlock()
	tries := func() int { // one journal event per carried-out change (whatever its registrar attempts)
		evs, _ := l.st.Events(testZone, 0)
		n := 0
		for _, e := range evs {
			if e.Kind == "failover" && strings.Contains(e.Message, "not done") && strings.Contains(e.Message, "registrar API down") {
				n++
			}
		}
		return n
	}
	l.round(t, 0)
	l.killPrimary()
	for i := 1; i <= 6; i++ { // rounds 10 s apart: down at round 2, tried again 45 s later (round 7)
		l.round(t, i)
	}
	if n := tries(); n != 1 {
		t.Fatalf("changes tried before retry_every passed: %d, want 1\n%s", n, l.log)
	}
	l.round(t, 7)
	if n := tries(); n != 2 {
		t.Fatalf("after retry_every: %d changes tried, want 2\n%s", n, l.log)
	}
}

// TestUnmappableDelegation: an NS set at the parent that is no provider's whole set is a WARN
// (once), and the controller keeps the last set it could map.
func TestUnmappableDelegation(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	l.round(t, 0)
	publish(l.parent, "ns1.pri.test.") // one of the primary's two names
	l.round(t, 1)
	l.round(t, 2)
	if got := l.log.lines(`level=WARN msg="the parent publishes an NS set that holds neither provider's whole set`); len(got) != 1 {
		t.Fatalf("log:\n%s", l.log)
	}
	if cur := l.zone(t, l.ctrl).Engine().Current(); !slices.Equal(cur, []string{"pri"}) || len(l.calls()) != 0 {
		t.Fatalf("current %v, calls %v", cur, l.calls())
	}
}

// TestConfigReload: a changed config file is re-read; a file that does not load keeps the old
// config (ERROR); a new failover section is in force from the next round; other changes ask
// for a restart.
func TestConfigReload(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	file := filepath.Join(t.TempDir(), "twinzone.yaml")
	if err := os.WriteFile(file, []byte("v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.cfg.File = file
	var next *config.Config
	var nextErr error
	l.loadConfig = func() (*config.Config, error) { return next, nextErr }
	log := &logBuf{}
	c := l.controller(t, log)
	rewrite := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.RunOnce(context.Background(), at(0))
	nextErr = errors.New("twinzone.yaml:3:5: failover.cooldown: \"soon\" is not a duration")
	rewrite("v2 broken\n")
	c.RunOnce(context.Background(), at(1))
	if len(log.lines(`level=ERROR msg="the config file changed but does not load: the controller keeps the previous one"`, "is not a duration")) != 1 {
		t.Fatalf("broken config:\n%s", log)
	}
	cfg2 := *l.cfg
	zc2 := *l.zc
	zc2.Failover.Auto = false
	zc2.Probe.Interval = 20 * time.Second
	cfg2.Zones = []*config.Zone{&zc2}
	next, nextErr = &cfg2, nil
	rewrite("v3 auto off, slower probes\n")
	c.RunOnce(context.Background(), at(2))
	if len(log.lines(`msg="config reloaded: new failover settings in force"`, "auto=false")) != 1 ||
		len(log.lines(`level=WARN msg="the config file changed: restart`, "probe")) != 1 {
		t.Fatalf("reload:\n%s", log)
	}
	l.killPrimary()
	for i := 3; i <= 5; i++ {
		c.RunOnce(context.Background(), at(i))
	}
	if len(l.calls()) != 0 || len(log.lines("reason=auto_off")) != 1 {
		t.Fatalf("auto: false not in force after the reload: calls %v\n%s", l.calls(), log)
	}
}

// TestSlowParentNoSecondFlip: after the controller's own change the parent publishes the new
// set late; until it does (or propagation_timeout passes) the set asked for is the delegation,
// so the rounds in between neither flip again nor report a change by someone else.
func TestSlowParentNoSecondFlip(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "", func(z *config.Zone) { z.Failover.PropagationTimeout = time.Second })
	l.reg.lag = true
	l.round(t, 0)
	l.killPrimary()
	l.round(t, 1)
	l.round(t, 2) // failover asked; the parent still publishes the primary
	if got := l.calls(); len(got) != 1 {
		t.Fatalf("calls %v", got)
	}
	ctx := context.Background()
	l.ctrl.RunOnce(ctx, at(2).Add(300*time.Millisecond)) // within propagation_timeout
	publish(l.parent, secNames...)                       // the parent catches up
	l.ctrl.RunOnce(ctx, at(2).Add(600*time.Millisecond))
	if got := l.calls(); len(got) != 1 {
		t.Fatalf("a second flip while the parent caught up: calls %v\n%s", got, l.log)
	}
	if got := l.log.lines(`level=WARN msg="delegation changed"`); len(got) != 0 {
		t.Fatalf("the controller's own change reported as someone else's: %v", got)
	}
	if cur := l.zone(t, l.ctrl).Engine().Current(); !slices.Equal(cur, []string{"sec"}) {
		t.Fatalf("current %v", cur)
	}
}
