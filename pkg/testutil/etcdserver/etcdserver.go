// Package etcdserver starts real etcd servers (Debian's etcd-server, /usr/bin/etcd) for tests:
// a single member or a cluster, each member in its own temporary directory, on free loopback
// ports (or inside a network namespace of a netns.Lab), waited for until the cluster reports
// healthy, and stopped (process group killed and reaped) on t.Cleanup. Member logs are printed
// when the test fails.
//
// When the etcd binary is missing the test is skipped, unless CI=true, where it fails.
package etcdserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/netns"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Binary is the etcd server binary looked for (in PATH, then /usr/bin).
const Binary = "etcd"

// Member is one etcd server process.
type Member struct {
	Name      string
	Dir       string // working directory: data dir and log
	ClientURL string // "http://ip:port", what clients dial
	PeerURL   string
	Node      *netns.Node // the namespace it runs in; nil on the host's loopback

	t       testing.TB
	bin     string
	args    []string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Cluster is a set of members started together.
type Cluster struct {
	Members []*Member
}

// Endpoints returns every member's client URL.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.ClientURL)
	}
	return eps
}

// Start starts a single-member cluster on the host's loopback.
func Start(t testing.TB) *Cluster { t.Helper(); return StartCluster(t, 1) }

// StartCluster starts an n-member cluster on the host's loopback (127.0.0.1, free ports) and
// waits until every member is healthy.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := findBinary(t)
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := freePorts(2 * n)
		if err != nil {
			t.Fatalf("etcd: %v", err)
		}
		var hosts []host
		for i := 0; i < n; i++ {
			hosts = append(hosts, host{ip: "127.0.0.1", client: ports[2*i], peer: ports[2*i+1]})
		}
		c, err := launch(t, bin, hosts)
		if err == nil {
			return c
		}
		last = err // most likely a port taken between the pick and the bind: pick again
	}
	t.Fatalf("etcd: %v", last)
	return nil
}

// StartClusterIn starts one member inside each node's namespace, listening on the node's lab
// address (ports 2379/2380: the address exists only in that namespace) and on 127.0.0.1:2379
// there for clients running in the same namespace.
func StartClusterIn(t testing.TB, nodes []*netns.Node) *Cluster {
	t.Helper()
	bin := findBinary(t)
	var hosts []host
	for _, nd := range nodes {
		hosts = append(hosts, host{ip: nd.Addr.String(), client: 2379, peer: 2380, node: nd})
	}
	c, err := launch(t, bin, hosts)
	if err != nil {
		t.Fatalf("etcd: %v", err)
	}
	return c
}

type host struct {
	ip           string
	client, peer int
	node         *netns.Node
}

func launch(t testing.TB, bin string, hosts []host) (*Cluster, error) {
	t.Helper()
	c := &Cluster{}
	var initial []string
	for i, h := range hosts {
		m := &Member{
			Name:      "m" + strconv.Itoa(i+1),
			ClientURL: "http://" + net.JoinHostPort(h.ip, strconv.Itoa(h.client)),
			PeerURL:   "http://" + net.JoinHostPort(h.ip, strconv.Itoa(h.peer)),
			Node:      h.node,
			t:         t,
			bin:       bin,
		}
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	token := fmt.Sprintf("tz-%d-%d", os.Getpid(), time.Now().UnixNano())
	for _, m := range c.Members {
		dir, err := os.MkdirTemp("", "tz-etcd-")
		if err != nil {
			return nil, err
		}
		m.Dir, m.logPath = dir, filepath.Join(dir, "etcd.log")
		listenClient := m.ClientURL
		if m.Node != nil {
			listenClient += ",http://127.0.0.1:2379"
		}
		m.args = []string{
			"--name", m.Name,
			"--data-dir", filepath.Join(dir, "data"),
			"--listen-client-urls", listenClient,
			"--advertise-client-urls", m.ClientURL,
			"--listen-peer-urls", m.PeerURL,
			"--initial-advertise-peer-urls", m.PeerURL,
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", token,
			// Defaults (100 ms / 1 s) elect too eagerly on a loaded 2-core machine.
			"--heartbeat-interval", "200",
			"--election-timeout", "2000",
		}
		mm := m
		t.Cleanup(func() {
			mm.Stop()
			if t.Failed() {
				t.Logf("--- etcd %s log (%s) ---\n%s", mm.Name, mm.ClientURL, tail(mm.Logs(), 120))
			}
			_ = os.RemoveAll(mm.Dir)
		})
	}
	for _, m := range c.Members {
		if err := m.spawn(); err != nil {
			c.stopAll()
			return nil, err
		}
	}
	if err := c.WaitHealthy(60 * time.Second); err != nil {
		c.stopAll()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) stopAll() {
	for _, m := range c.Members {
		m.Stop()
	}
}

// WaitHealthy waits until every running member answers /health with "true" (it has a leader
// and serves linearizable reads).
func (c *Cluster) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, m := range c.Members {
		var last error
		for {
			if !m.Running() {
				return fmt.Errorf("%s exited (last check: %v)\n%s", m.Name, last, tail(m.Logs(), 40))
			}
			if last = m.Healthy(); last == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not healthy within %v: %v\n%s", m.Name, timeout, last, tail(m.Logs(), 40))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// DialContext returns the dialer clients should use to reach this cluster: from inside node
// when the cluster runs in a lab (nil node: the dialer of the first member's namespace), the
// ordinary dialer on loopback.
func (c *Cluster) DialContext(node *netns.Node) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if node == nil && len(c.Members) > 0 {
		node = c.Members[0].Node
	}
	if node != nil {
		return node.DialContext
	}
	var d net.Dialer
	return d.DialContext
}

func findBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath(Binary); err == nil {
		return p
	}
	if st, err := os.Stat("/usr/bin/etcd"); err == nil && !st.IsDir() {
		return "/usr/bin/etcd"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("etcd: binary not found (Debian package etcd-server)")
	}
	t.Skip("etcd: binary not found (Debian package etcd-server)")
	return ""
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 at the time of the call.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// Client returns a client of the cluster, closed on t.Cleanup. from names the namespace the
// client dials from (nil: the host's loopback, or the first member's namespace in a lab).
func (c *Cluster) Client(t testing.TB, from *netns.Node) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(c.ClientConfig(from))
	if err != nil {
		t.Fatalf("etcd client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// ClientConfig is the client configuration Client uses, for callers that build their own. A
// client from a member's namespace is given that member's endpoint only.
func (c *Cluster) ClientConfig(from *netns.Node) clientv3.Config {
	dial := c.DialContext(from)
	eps := c.Endpoints()
	for _, m := range c.Members {
		if from != nil && m.Node == from {
			// A client in a member's namespace talks to that member only: cutting the
			// namespace off then cuts the client off with its member, and never leaves a
			// client of the majority holding a connection into the cut-off namespace.
			eps = []string{m.ClientURL}
		}
	}
	return clientv3.Config{
		Endpoints:   eps,
		DialTimeout: 5 * time.Second,
		// gRPC's floor is 10 s: a silently dead connection is dropped after about 13 s.
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		Logger:               zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return dial(ctx, "tcp", addr)
		})},
	}
}
