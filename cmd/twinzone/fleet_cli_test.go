package main

import (
	"context"
	"fmt"
	"path/filepath"
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
}
