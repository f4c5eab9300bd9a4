package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestFleetCheckAndStatus: `check` verifies the etcd connection and that vantage_quorum is
// reachable with the members alive now; `status` shows who leads and every member's latest
// observation. Real etcd; the members are in-process fleet coordinators.
func TestFleetCheckAndStatus(t *testing.T) {
	ec := etcdserver.Start(t)
	dir := t.TempDir()
	a, b := probetest.Start(t, "fleet.test."), probetest.Start(t, "fleet.test.")
	for _, s := range []*probetest.Server{a, b} {
		s.AddRecords(&dns.NS{Hdr: dns.RR_Header{Name: "fleet.test.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: "ns1.a.test."})
	}
	writeFiles(t, dir, map[string]string{
		"fleet.test.zone": "$ORIGIN fleet.test.\n$TTL 300\n@ IN SOA ns1.fleet.test. h.fleet.test. 1 7200 3600 1209600 300\n@ IN NS ns1.fleet.test.\n",
		"twinzone.yaml": fmt.Sprintf(`providers:
  a: {type: zonefile, path: a/fleet.test.zone}
  b: {type: zonefile, path: b/fleet.test.zone}
zones:
  - name: fleet.test.
    file: fleet.test.zone
    primary:   {provider: a, nameservers: ["ns1.a.test.=%s"]}
    secondary: {provider: b, nameservers: ["ns1.b.test.=%s"]}
fleet:
  id: cli
  etcd: {endpoints: [%q], prefix: /fleetcli/}
  vantage_quorum: 2
`, a.Addr, b.Addr, ec.Endpoints()[0]),
	})
	conf := filepath.Join(dir, "twinzone.yaml")

	_, out, _ := runCLI(t, "check", "--config", conf, "--parent-server", a.Addr.String())
	mustContain(t, "check, no member running", out, "ok      fleet-etcd  "+ec.Endpoints()[0]+": etcd 3.", "ok      fleet-credentials  /fleetcli/",
		"fail  fleet.test.  fleet-quorum  -: 0 live members, 0 cut off, vantage_quorum 2: the fleet cannot find a provider down", "warn    fleet-leader  -: no member leads")

	var cs []*fleet.Coordinator
	for i := 1; i <= 2; i++ {
		cli, err := clientv3.New(ec.ClientConfig(nil))
		if err != nil {
			t.Fatal(err)
		}
		s, err := fleet.New(cli, fleet.Options{Prefix: "/fleetcli/", TTL: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		co := fleet.NewCoordinator(s, fleet.NewMember(s, fmt.Sprintf("m%d", i)), 2, 15*time.Second, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); co.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; cli.Close() })
		cs = append(cs, co)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		published := 0
		for i, co := range cs {
			v := fleet.ZoneView{Verdicts: map[string]string{"a": fleet.Up, "b": fleet.Up}}
			if i == 0 {
				v.Verdicts["a"] = fleet.Down
				v.Delegation = []string{"ns1.a.test.", "ns1.b.test."}
			}
			if r := co.Round(context.Background(), time.Now(), "fleet.test.", v); r.Err == nil && r.Leader != "" {
				published++
			}
		}
		if published == len(cs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("members did not publish within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	leader := "m1"
	if cs[1].Member.Leading() {
		leader = "m2"
	}
	_, out, _ = runCLI(t, "check", "--config", conf, "--parent-server", a.Addr.String())
	mustContain(t, "check, two members", out, "ok    fleet.test.  fleet-quorum  -: 2 live members, 0 cut off, vantage_quorum 2",
		"ok      fleet-leader  "+leader+": member "+leader+" leads")
	_, out, stderr := runCLI(t, "status", "--config", conf)
	mustContain(t, "status", out+stderr, "fleet cli (etcd "+ec.Endpoints()[0], "leader: "+leader,
		"m1", "a down, b up [delegation ns1.a.test. ns1.b.test.]", "m2", "a up, b up [delegation unread]", leader+" (leader)",
		"fleet.test. fleet verdict: a up: 1 of 2 voting members see it up, 1 down (quorum 2); b up")

	// The same facts in JSON, per zone.
	code, out, stderr := runCLI(t, "status", "--config", conf, "--format", "json")
	if code != 0 {
		t.Fatalf("status --format json: exit %d\n%s", code, stderr)
	}
	var reports []struct {
		Zone  string       `json:"zone"`
		Fleet *fleetStatus `json:"fleet"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("status --format json: %v\n%s", err, out)
	}
	if len(reports) != 1 || reports[0].Fleet == nil {
		t.Fatalf("status --format json: no fleet section:\n%s", out)
	}
	fs := reports[0].Fleet
	if fs.Member != "cli" || fs.Leader != leader || fs.VantageQuorum != 2 || fs.ObservationTTL != "15s" || fs.Error != "" || len(fs.Members) != 2 {
		t.Fatalf("fleet section: %+v\n%s", fs, out)
	}
	for _, m := range fs.Members {
		if m.Leader != (m.Member == leader) || !m.Live || m.AgeSeconds < 0 || m.AgeSeconds > 15 || m.SeesLeader != leader {
			t.Errorf("member %+v: want leader=%v, live, a fresh age, sees %s lead", m, m.Member == leader, leader)
		}
		wantA, wantNS := fleet.Up, []string(nil)
		if m.Member == "m1" {
			wantA, wantNS = fleet.Down, []string{"ns1.a.test.", "ns1.b.test."}
		}
		if m.Verdicts["a"] != wantA || m.Verdicts["b"] != fleet.Up || !slices.Equal(m.Delegation, wantNS) {
			t.Errorf("member %s: verdicts %v, delegation %v; want a %s, b up, delegation %v", m.Member, m.Verdicts, m.Delegation, wantA, wantNS)
		}
	}
	if fs.Verdict == nil {
		t.Fatalf("fleet section without a verdict:\n%s", out)
	}
	if pa := fs.Verdict.Providers["a"]; pa.Status != fleet.Up || pa.Down != 1 || pa.Up != 1 || pa.Voters != 2 || fs.Verdict.Live != 2 {
		t.Errorf("fleet verdict: %+v", fs.Verdict)
	}
}
