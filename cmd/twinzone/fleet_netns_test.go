package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
	"github.com/twinzone/twinzone/pkg/testutil/netns"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// nsMember is a `twinzone run` child process inside a member's namespace.
type nsMember struct {
	id   string
	node *netns.Node
	cmd  *exec.Cmd
	out  *strings.Builder
	done chan struct{}
}

func startNSMember(t *testing.T, node *netns.Node, id string, env []string, args ...string) *nsMember {
	t.Helper()
	argv, err := json.Marshal(append([]string{"twinzone"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	m := &nsMember{id: id, node: node, out: &strings.Builder{}, done: make(chan struct{})}
	m.cmd = node.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	m.cmd.Env = append(append(os.Environ(), env...), crashHelperEnv+"="+string(argv), "TWINZONE_ID="+id)
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.cmd.Wait(); close(m.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.done
		if t.Failed() {
			t.Logf("--- member %s ---\n%s", id, tailLines(m.out.String(), 30))
		}
	})
	return m
}

// nsParentNS asks the parent, from inside the DNS namespace, for the delegation of the zone.
func nsParentNS(t *testing.T, node *netns.Node, parent string) []string {
	t.Helper()
	var names []string
	node.Do(func() {
		m := new(dns.Msg)
		m.SetQuestion(lab.Zone, dns.TypeNS)
		for range 5 {
			r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, parent)
			if err != nil {
				continue
			}
			for _, rr := range append(r.Answer, r.Ns...) {
				if ns, ok := rr.(*dns.NS); ok && ns.Hdr.Name == lab.Zone {
					names = append(names, ns.Ns)
				}
			}
			slices.Sort(names)
			return
		}
		names = []string{"error: the parent does not answer"}
	})
	return names
}

func nsParentSerial(t *testing.T, node *netns.Node, parent string) uint32 {
	t.Helper()
	var serial uint32
	node.Do(func() {
		m := new(dns.Msg)
		m.SetQuestion(lab.ParentZone, dns.TypeSOA)
		for range 5 {
			if r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, parent); err == nil && len(r.Answer) > 0 {
				serial = r.Answer[0].(*dns.SOA).Serial
				return
			}
		}
	})
	return serial
}

// nft runs an nftables script inside node's namespace.
func nft(t *testing.T, node *netns.Node, script string) {
	t.Helper()
	cmd := node.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v\n%s", node.Name, err, out)
	}
}

// TestFleetNetns runs the fleet on real packet loss: three etcd members and three `twinzone
// run` members, each pair in its own network namespace, joined by veth pairs to a bridge; a
// fourth namespace holds the DNS servers (Knot parent as rfc2136 registrar, BIND primary,
// Knot secondary, each on port 53 of its own 198.18.0.x address). nftables rules inside a
// member's namespace cut it off from the primary, or its etcd member from its peers.
//   - one member cut off from the primary: no delegation change;
//   - the leader's etcd cut off from the others (DNS still reachable) while the primary dies:
//     the parent's zone is updated exactly once, by another member.
func TestFleetNetns(t *testing.T) {
	if testing.Short() {
		t.Skip("fleet netns test")
	}
	netns.Require(t)
	if _, err := exec.LookPath("nft"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nft (nftables) not found")
		}
		t.Skip("nft (nftables) not found")
	}
	nl := netns.New(t)
	var nodes []*netns.Node
	for i := 1; i <= 3; i++ {
		nodes = append(nodes, nl.AddNode(fmt.Sprintf("m%d", i)))
	}
	dnsNode := nl.AddNode("dns") // 198.18.0.4
	parentIP, primaryIP, secondaryIP := "198.18.0.4", "198.18.0.5", "198.18.0.6"
	dnsNode.AddAddr(netip.MustParseAddr(primaryIP))
	dnsNode.AddAddr(netip.MustParseAddr(secondaryIP))
	var tl *lab.Lab
	dnsNode.Do(func() {
		tl = lab.Start(t, lab.Options{ParentIP: parentIP, PrimaryIP: primaryIP, SecondaryIP: secondaryIP})
	})
	ec := etcdserver.StartClusterIn(t, nodes)

	dir := t.TempDir()
	cfg := fmt.Sprintf(`state_dir: "state-${TWINZONE_ID}"
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_FLEET_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
%[5]sfleet:
  id: "${TWINZONE_ID}"
  etcd: {endpoints: ["http://127.0.0.1:2379"], prefix: /netns/}
  vantage_quorum: 2
  observation_ttl: 4s
`, tl.Primary.Addr, tl.Secondary.Addr, tl.Parent.Addr, tl.Key.Name, fleetGuards)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	env := []string{"TZ_FLEET_TSIG=" + tl.Key.Secret}
	sync := startNSMember(t, nodes[0], "ci", env, "sync", "--config", conf)
	<-sync.done
	if sync.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("sync: exit %d\n%s", sync.cmd.ProcessState.ExitCode(), sync.out.String())
	}
	ms := map[string]*nsMember{}
	stores := map[string]*fleet.Store{}
	for i, nd := range nodes {
		id := fmt.Sprintf("m%d", i+1)
		ms[id] = startNSMember(t, nd, id, env, "run", "--config", conf, "--listen", "-", "--sync-interval", "0")
		cli, err := clientv3.New(ec.ClientConfig(nd))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		if stores[id], err = fleet.New(cli, fleet.Options{Prefix: "/netns/", TTL: 4 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	waitUntil(t, "three members publishing and a leader", 90*time.Second, func() bool {
		obs, err := stores["m1"].Observations(ctx)
		l, lerr := stores["m1"].Leader(ctx)
		return err == nil && lerr == nil && len(obs) == 3 && l != ""
	})
	parent := tl.Parent.Addr
	normal, failed := []string{lab.PrimaryNS}, []string{lab.SecondaryNS}
	holdNS := func(what string, want []string, d time.Duration) {
		t.Helper()
		serial := nsParentSerial(t, dnsNode, parent)
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
			if got := nsParentNS(t, dnsNode, parent); !slices.Equal(got, want) {
				t.Fatalf("%s: the parent publishes %v, want %v", what, got, want)
			}
		}
		if s := nsParentSerial(t, dnsNode, parent); s != serial {
			t.Fatalf("%s: the parent's serial moved from %d to %d", what, serial, s)
		}
	}

	// m3 loses the primary (packets dropped inside its namespace); m1 and m2 still see it.
	nft(t, nodes[2], "table inet tzcut {\n chain out { type filter hook output priority 0; ip daddr "+primaryIP+" drop; }\n}\n")
	waitUntil(t, "m3 seeing the primary down", 30*time.Second, func() bool {
		obs, err := stores["m1"].Observations(ctx)
		if err != nil {
			return false
		}
		for _, o := range obs {
			if o.Member == "m3" {
				return o.Zones[lab.Zone].Verdicts["bind"] == fleet.Down
			}
		}
		return false
	})
	holdNS("one member cut off from the primary", normal, 8*time.Second)
	nft(t, nodes[2], "delete table inet tzcut\n")

	// The leader's etcd member loses its peers (its twinzone still reaches the DNS servers),
	// and the primary dies.
	leader, err := stores["m1"].Leader(ctx)
	if err != nil || leader == "" {
		t.Fatalf("leader: %q %v", leader, err)
	}
	var leaderNode *netns.Node
	var healthy string
	for i, nd := range nodes {
		id := fmt.Sprintf("m%d", i+1)
		if id == leader {
			leaderNode = nd
		} else {
			healthy = id
		}
	}
	serial := nsParentSerial(t, dnsNode, parent)
	nft(t, leaderNode, "table inet tzetcd {\n chain in { type filter hook input priority 0; tcp dport 2380 drop; tcp sport 2380 drop; }\n"+
		" chain out { type filter hook output priority 0; tcp dport 2380 drop; tcp sport 2380 drop; }\n}\n")
	tl.Primary.Stop()
	waitUntil(t, "the failover by another member", 60*time.Second, func() bool { return slices.Equal(nsParentNS(t, dnsNode, parent), failed) })
	holdNS("after the failover", failed, 6*time.Second)
	if s := nsParentSerial(t, dnsNode, parent); s != serial+1 {
		t.Fatalf("the parent's serial went from %d to %d: want exactly one registrar call", serial, s)
	}
	h, err := stores[healthy].ZoneHistory(ctx, lab.Zone)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range h.Changes {
		if c.Counts(failed) {
			n++
		}
	}
	if n != 1 || len(h.Changes) != 1 || strings.Contains(h.Changes[0].Holder, "member "+leader+" ") || h.Changes[0].Kind != state.ChangeFailover {
		t.Fatalf("changes in etcd: %+v; want one failover, not by the partitioned leader %s", h.Changes, leader)
	}
	t.Logf("leader %s cut off from etcd; the failover was made by %s", leader, h.Changes[0].Holder)
}
