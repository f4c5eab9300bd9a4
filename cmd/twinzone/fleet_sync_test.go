package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestFleetSyncRecordsInEtcd: a `twinzone sync` from CI with a fleet config takes the etcd
// lock of the zone that a fleet leader takes for its own sync (it waits while another process
// holds it), and records the sync with its generation in etcd, where the members judge the
// newest version from, and not in the state directory. Real single-member etcd.
func TestFleetSyncRecordsInEtcd(t *testing.T) {
	ec := etcdserver.Start(t)
	dir := t.TempDir()
	const serial = 2026120207
	writeFiles(t, dir, map[string]string{
		"fleet.test.zone": fmt.Sprintf("$ORIGIN fleet.test.\n$TTL 300\n@ IN SOA ns1.fleet.test. h.fleet.test. %d 7200 3600 1209600 300\n@ IN NS ns1.fleet.test.\nwww IN A 192.0.2.7\n", serial),
		"a/.keep":         "",
		"b/.keep":         "",
		"twinzone.yaml": fmt.Sprintf(`state_dir: state
providers:
  a: {type: zonefile, path: a/fleet.test.zone}
  b: {type: zonefile, path: b/fleet.test.zone}
zones:
  - name: fleet.test.
    file: fleet.test.zone
    primary:   {provider: a, nameservers: ["ns1.a.test.=127.0.12.1"]}
    secondary: {provider: b, nameservers: ["ns1.b.test.=127.0.12.2"]}
fleet:
  id: ci
  etcd: {endpoints: [%q], prefix: /fleetsync/}
`, ec.Endpoints()[0]),
	})
	conf := filepath.Join(dir, "twinzone.yaml")

	// Another process (a leader mid-change) holds the zone's lock in etcd.
	cli, err := clientv3.New(ec.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	other, err := fleet.New(cli, fleet.Options{Prefix: "/fleetsync/", TTL: 15 * time.Second, Holder: "test leader"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	held, err := other.Acquire(ctx, "fleet.test.")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code        int
		out, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, stderr := runCLI(t, "sync", "--config", conf)
		done <- result{code, out, stderr}
	}()
	// The sync queues behind the lock: its own key appears under the zone's lock prefix.
	waitUntil(t, "the sync waiting for the zone lock in etcd", 60*time.Second, func() bool {
		resp, err := cli.Get(ctx, "/fleetsync/lock/fleet.test./", clientv3.WithPrefix(), clientv3.WithCountOnly())
		return err == nil && resp.Count >= 2
	})
	if _, err := os.Stat(filepath.Join(dir, "a", "fleet.test.zone")); err == nil {
		t.Fatal("the sync wrote provider a while another process held the zone's lock in etcd")
	}
	if err := held.Unlock(); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("sync did not finish within 3 min of the lock's release")
	}
	if r.code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.out, r.stderr)
	}
	mustContain(t, "sync", r.out, "converged")

	h, err := other.ZoneHistory(ctx, "fleet.test.")
	if err != nil {
		t.Fatal(err)
	}
	if h.LastSync == nil {
		t.Fatal("etcd holds no last sync of fleet.test. after `twinzone sync`")
	}
	if h.LastSync.Generation == nil || *h.LastSync.Generation != serial || h.LastSync.Hash == "" {
		t.Errorf("last sync in etcd: %+v, want generation %d and a hash", h.LastSync, serial)
	}
	if !h.LastSync.Providers["a"] || !h.LastSync.Providers["b"] {
		t.Errorf("last sync in etcd: providers %v, want a and b ok", h.LastSync.Providers)
	}
	evs, err := other.Journal(ctx, "fleet.test.", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[len(evs)-1].Kind != state.KindSync {
		t.Errorf("etcd journal of fleet.test.: %+v, want the sync event", evs)
	}
	// `status` reads the record where the controllers keep it.
	_, out, stderr := runCLI(t, "status", "--config", conf)
	mustContain(t, "status", out+stderr, fmt.Sprintf("last sync: %s (stamp", h.LastSync.Time.UTC().Format(time.RFC3339)), fmt.Sprintf("sync g=%d/", serial))
	// One place: the state directory does not get a second copy of the fact.
	st, err := state.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	if local, err := st.ZoneHistory(ctx, "fleet.test."); err != nil || local.LastSync != nil {
		t.Errorf("state directory: last sync %+v (err %v), want none in fleet mode", local.LastSync, err)
	}
}

// TestFleetSyncWithoutEtcd: with the fleet's etcd unreachable, `twinzone sync` fails with an
// error that names etcd, and writes no provider: without the lock a leader may be syncing.
func TestFleetSyncWithoutEtcd(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"fleet.test.zone": "$ORIGIN fleet.test.\n$TTL 300\n@ IN SOA ns1.fleet.test. h.fleet.test. 1 7200 3600 1209600 300\n@ IN NS ns1.fleet.test.\n",
		"a/.keep":         "",
		"b/.keep":         "",
		"twinzone.yaml": fmt.Sprintf(`state_dir: state
providers:
  a: {type: zonefile, path: a/fleet.test.zone}
  b: {type: zonefile, path: b/fleet.test.zone}
zones:
  - name: fleet.test.
    file: fleet.test.zone
    primary:   {provider: a, nameservers: ["ns1.a.test.=127.0.12.1"]}
    secondary: {provider: b, nameservers: ["ns1.b.test.=127.0.12.2"]}
fleet:
  id: ci
  etcd: {endpoints: ["http://%s"]}
`, dead),
	})
	code, out, stderr := runCLI(t, "sync", "--config", filepath.Join(dir, "twinzone.yaml"))
	if code != exitError || !strings.Contains(stderr, "fleet etcd: ") || !strings.Contains(stderr, "coordination lost") {
		t.Fatalf("sync without etcd: exit %d, want %d and an error naming etcd\n%s\n%s", code, exitError, out, stderr)
	}
	for _, p := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, p, "fleet.test.zone")); err == nil {
			t.Errorf("provider %s written without the fleet's lock", p)
		}
	}
}

// TestFleetLeaderKeepsCIDeploy: a fleet leader runs its periodic sync from an old zone file
// (generation 1); CI deploys generation 2 with `twinzone sync` from another config on the
// same fleet. The leader sees the deploy in etcd and no longer pushes its older file over it.
// Real etcd; the leader is a `twinzone run` (in-process), the providers zone files.
func TestFleetLeaderKeepsCIDeploy(t *testing.T) {
	ec := etcdserver.Start(t)
	dir := t.TempDir()
	zoneText := func(serial int) string {
		return fmt.Sprintf("$ORIGIN fleet.test.\n$TTL 300\n@ IN SOA ns1.fleet.test. h.fleet.test. %d 7200 3600 1209600 300\n@ IN NS ns1.fleet.test.\nwww IN A 192.0.2.%d\n", serial, serial)
	}
	conf := func(id, file string) string {
		return fmt.Sprintf(`state_dir: state-%s
providers:
  a: {type: zonefile, path: a/fleet.test.zone}
  b: {type: zonefile, path: b/fleet.test.zone}
zones:
  - name: fleet.test.
    file: %s
    primary:   {provider: a, nameservers: ["ns1.a.test.=127.0.12.1"]}
    secondary: {provider: b, nameservers: ["ns1.b.test.=127.0.12.2"]}
fleet:
  id: %s
  etcd: {endpoints: [%q], prefix: /fleetdeploy/}
  vantage_quorum: 1
`, id, file, id, ec.Endpoints()[0])
	}
	writeFiles(t, dir, map[string]string{
		"leader.zone": zoneText(1), "ci.zone": zoneText(2), "a/.keep": "", "b/.keep": "",
		"leader.yaml": conf("leader", "leader.zone"), "ci.yaml": conf("ci", "ci.zone"),
	})
	cli, err := clientv3.New(ec.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	s, err := fleet.New(cli, fleet.Options{Prefix: "/fleetdeploy/", TTL: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	lastGen := func() uint32 {
		h, err := s.ZoneHistory(context.Background(), "fleet.test.")
		if err != nil || h.LastSync == nil || h.LastSync.Generation == nil {
			return 0
		}
		return *h.LastSync.Generation
	}

	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "run", "--config", filepath.Join(dir, "leader.yaml"), "--listen", "-",
			"--sync-interval", "1s", "--log-format", "text"}, &log, &log)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Error("the leader did not stop within 60 s")
		}
		if t.Failed() {
			t.Logf("--- leader ---\n%s", tailLines(log.String(), 40))
		}
	}()
	waitUntil(t, "the leader's periodic sync recording generation 1 in etcd", 90*time.Second, func() bool { return lastGen() == 1 })

	code, out, stderr := runCLI(t, "sync", "--config", filepath.Join(dir, "ci.yaml"))
	if code != 0 {
		t.Fatalf("CI sync: exit %d\n%s\n%s", code, out, stderr)
	}
	if g := lastGen(); g != 2 {
		t.Fatalf("etcd's last sync after the CI deploy: generation %d, want 2", g)
	}
	skipped := func() bool {
		return strings.Contains(log.String(), "periodic sync skipped: the controller's zone file is not the newest version")
	}
	waitUntil(t, "the leader skipping its periodic sync", 60*time.Second, skipped)
	if g := lastGen(); g != 2 {
		t.Errorf("etcd's last sync: generation %d after the leader's next round, want 2 (the CI deploy)", g)
	}
	for _, p := range []string{"a", "b"} {
		b, err := os.ReadFile(filepath.Join(dir, p, "fleet.test.zone"))
		if err != nil || !strings.Contains(string(b), "192.0.2.2") || strings.Contains(string(b), "192.0.2.1") {
			t.Errorf("provider %s after the leader's next sync round: %v\n%s", p, err, b)
		}
	}
}
