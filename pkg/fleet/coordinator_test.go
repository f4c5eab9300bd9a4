package fleet_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func startCoordinator(t *testing.T, cfg clientv3.Config, prefix, id string) (*fleet.Coordinator, *fleet.Metrics) {
	t.Helper()
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fleet.New(cli, fleet.Options{Prefix: prefix, TTL: 3 * time.Second, Holder: "member " + id})
	if err != nil {
		t.Fatal(err)
	}
	met := fleet.NewMetrics()
	c := fleet.NewCoordinator(s, fleet.NewMember(s, id), 2, 3*time.Second, met)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = cli.Close() })
	return c, met
}

func view(pri string) fleet.ZoneView {
	return fleet.ZoneView{Verdicts: map[string]string{"pri": pri, "sec": fleet.Up}}
}

// roundAll runs one round on every member with its own view and returns the rounds.
func roundAll(cs []*fleet.Coordinator, views []fleet.ZoneView) []fleet.Round {
	var out []fleet.Round
	now := time.Now()
	for i, c := range cs {
		out = append(out, c.Round(context.Background(), now, zone, views[i]))
	}
	return out
}

func TestCoordinatorFleetVerdict(t *testing.T) {
	ec := etcdserver.StartCluster(t, 3)
	cfg := ec.ClientConfig(nil)
	var cs []*fleet.Coordinator
	var ms []*fleet.Metrics
	for i := 1; i <= 3; i++ {
		c, m := startCoordinator(t, cfg, "/coord/", fmt.Sprintf("m%d", i))
		cs, ms = append(cs, c), append(ms, m)
	}
	waitFor(t, "one leader, all coordinated", 30*time.Second, func() bool {
		n := 0
		for _, c := range cs {
			if c.Member.Coordination() != nil {
				return false
			}
			if c.Member.Leading() {
				n++
			}
		}
		return n == 1
	})

	check := func(what string, views []fleet.ZoneView, want string) {
		t.Helper()
		// A round publishes; the verdict of a member reflects the others' latest rounds.
		roundAll(cs, views)
		rs := roundAll(cs, views)
		acting := 0
		for i, r := range rs {
			if r.Err != nil {
				t.Fatalf("%s: m%d: %v", what, i+1, r.Err)
			}
			if got := r.Verdict.Providers["pri"].Status; got != want {
				t.Errorf("%s: m%d sees the fleet verdict %s (%s), want %s", what, i+1, got, r.Verdict.Providers["pri"].Reason, want)
			}
			if r.Act {
				acting++
			}
			if r.Leader == "" || r.Leader != rs[0].Leader {
				t.Errorf("%s: m%d believes %q leads, m1 %q", what, i+1, r.Leader, rs[0].Leader)
			}
		}
		if acting != 1 {
			t.Errorf("%s: %d members may act, want exactly 1", what, acting)
		}
	}
	check("one member cut off from the primary", []fleet.ZoneView{view(fleet.Down), view(fleet.Up), view(fleet.Up)}, fleet.Up)
	check("the primary dead for everyone", []fleet.ZoneView{view(fleet.Down), view(fleet.Down), view(fleet.Down)}, fleet.Down)
	cut := view(fleet.Down)
	cut.CutOff = true
	check("two see it down, the third is cut off", []fleet.ZoneView{cut, view(fleet.Down), view(fleet.Down)}, fleet.Down)
	check("one sees it down, one cut off", []fleet.ZoneView{cut, view(fleet.Down), view(fleet.Up)}, fleet.Up)

	want := `
# HELP twinzone_fleet_verdict 1 for the fleet's verdict on the provider (status up, down or unknown).
# TYPE twinzone_fleet_verdict gauge
twinzone_fleet_verdict{provider="pri",status="down",zone="example.test."} 0
twinzone_fleet_verdict{provider="pri",status="unknown",zone="example.test."} 0
twinzone_fleet_verdict{provider="pri",status="up",zone="example.test."} 1
twinzone_fleet_verdict{provider="sec",status="down",zone="example.test."} 0
twinzone_fleet_verdict{provider="sec",status="unknown",zone="example.test."} 0
twinzone_fleet_verdict{provider="sec",status="up",zone="example.test."} 1
`
	reg := prometheus.NewRegistry()
	if err := ms[2].Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "twinzone_fleet_verdict"); err != nil {
		t.Error(err)
	}
	if n := testutil.ToFloat64(ms[2].MemberCutOff.WithLabelValues(zone, "m1")); n != 1 {
		t.Errorf("m3's metric of m1's cut-off: %v", n)
	}

	// etcd loses its majority: every member reports coordination lost and nobody may act.
	ec.Members[1].Kill()
	ec.Members[2].Kill()
	waitFor(t, "coordination lost everywhere", 30*time.Second, func() bool {
		for _, r := range roundAll(cs, []fleet.ZoneView{view(fleet.Down), view(fleet.Down), view(fleet.Down)}) {
			if r.Err == nil || r.Act {
				return false
			}
		}
		return true
	})
	if testutil.ToFloat64(ms[0].Coordinated) != 0 || testutil.ToFloat64(ms[0].CoordErrors) == 0 {
		t.Error("metrics do not show the coordination loss")
	}
	ec.Members[1].Start()
	ec.Members[2].Start()
	if err := ec.WaitHealthy(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "coordination back, one leader", 60*time.Second, func() bool {
		n := 0
		for _, r := range roundAll(cs, []fleet.ZoneView{view(fleet.Up), view(fleet.Up), view(fleet.Up)}) {
			if r.Err != nil {
				return false
			}
			if r.Act {
				n++
			}
		}
		return n == 1
	})
}
