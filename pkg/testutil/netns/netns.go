// Package netns builds small network labs for tests out of Linux network namespaces: a bridge
// namespace holding a Linux bridge, and any number of node namespaces, each joined to the
// bridge by a veth pair and given one address from 198.18.0.0/15 (RFC 2544's benchmark range).
// The addresses exist only inside the lab's namespaces; nothing is routed to the host's
// interfaces. Cutting a node's veth (Partition) is real packet loss for everything that node
// runs; Heal puts it back.
//
// Namespaces are named Prefix + "<pid>-<lab>-<node>", so labs of test binaries that run in
// parallel never collide, and New first deletes namespaces of this prefix whose pid is no longer
// alive (left by a test binary that was killed). Everything a lab creates is deleted on
// t.Cleanup, whether the test passed or failed.
//
// Labs need root (CAP_SYS_ADMIN) and the ip command (iproute2). Without them the test is
// skipped, unless CI=true, where it fails.
package netns

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Prefix starts the name of every namespace this package creates.
const Prefix = "tz-ns-"

var labSeq atomic.Int32

// Lab is a bridge namespace and the node namespaces attached to it.
type Lab struct {
	t      testing.TB
	id     string // "<pid>-<seq>"
	Bridge string // name of the bridge namespace

	mu    sync.Mutex
	nodes []*Node
}

// Node is one namespace of a lab.
type Node struct {
	Name string     // namespace name
	Addr netip.Addr // its address on the lab's bridge (198.18.0.x/24)
	lab  *Lab
	peer string // veth end inside the bridge namespace
}

// Require skips (or under CI=true fails) the test when namespaces cannot be made here.
func Require(t testing.TB) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "network namespaces need root"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "ip (iproute2) not found"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("netns: " + why)
	}
	t.Skip("netns: " + why)
}

// New creates a lab with an empty bridge namespace.
func New(t testing.TB) *Lab {
	t.Helper()
	Require(t)
	SweepStale()
	l := &Lab{t: t, id: fmt.Sprintf("%d-%d", os.Getpid(), labSeq.Add(1))}
	l.Bridge = Prefix + l.id + "-br"
	t.Cleanup(l.Close)
	l.must("netns", "add", l.Bridge)
	l.must("-n", l.Bridge, "link", "set", "lo", "up")
	l.must("-n", l.Bridge, "link", "add", "br0", "type", "bridge")
	l.must("-n", l.Bridge, "link", "set", "br0", "up")
	return l
}

// AddNode creates a namespace named after name ("m1", "dns"), joined to the bridge, with
// address 198.18.0.<index+1>/24 and loopback up.
func (l *Lab) AddNode(name string) *Node {
	l.t.Helper()
	l.mu.Lock()
	idx := len(l.nodes) + 1
	l.mu.Unlock()
	if idx > 250 {
		l.t.Fatal("netns: too many nodes")
	}
	n := &Node{
		Name: Prefix + l.id + "-" + name,
		Addr: netip.AddrFrom4([4]byte{198, 18, 0, byte(idx)}),
		lab:  l,
		peer: "v" + strconv.Itoa(idx),
	}
	l.must("netns", "add", n.Name)
	l.mu.Lock()
	l.nodes = append(l.nodes, n)
	l.mu.Unlock()
	l.must("-n", n.Name, "link", "set", "lo", "up")
	// The veth is created inside the node namespace and its peer moved to the bridge
	// namespace at once: it never exists in the host's namespace.
	l.must("-n", n.Name, "link", "add", "eth0", "type", "veth", "peer", "name", n.peer, "netns", l.Bridge)
	l.must("-n", l.Bridge, "link", "set", n.peer, "master", "br0")
	l.must("-n", l.Bridge, "link", "set", n.peer, "up")
	l.must("-n", n.Name, "addr", "add", n.Addr.String()+"/24", "dev", "eth0")
	l.must("-n", n.Name, "link", "set", "eth0", "up")
	return n
}

// Partition cuts the node off the bridge (its veth end in the bridge namespace goes down).
func (n *Node) Partition() { n.lab.must("-n", n.lab.Bridge, "link", "set", n.peer, "down") }

// Heal reconnects a partitioned node.
func (n *Node) Heal() { n.lab.must("-n", n.lab.Bridge, "link", "set", n.peer, "up") }

// Command returns a command that runs inside the node's namespace (through ip netns exec, which
// execs the program: the process id is the program's).
func (n *Node) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Run runs a command inside the namespace and returns its combined output; errors fail the test.
func (n *Node) Run(name string, args ...string) string {
	n.lab.t.Helper()
	out, err := n.Command(name, args...).CombinedOutput()
	if err != nil {
		n.lab.t.Fatalf("netns %s: %s %s: %v\n%s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// DialContext dials from inside the node's namespace: the socket is created on an OS thread
// that has joined the namespace, and a socket keeps its namespace for life. It lets an
// in-process client (an etcd client, a DNS probe) act as if it ran on the node.
func (n *Node) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		// The thread is never unlocked if it could not be put back into its own namespace:
		// the runtime then ends it with the goroutine instead of reusing it.
		runtime.LockOSThread()
		restored := false
		defer func() {
			if restored {
				runtime.UnlockOSThread()
			}
		}()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- res{nil, err}
			return
		}
		defer self.Close()
		target, err := os.Open("/run/netns/" + n.Name)
		if err != nil {
			restored = true
			ch <- res{nil, err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			restored = true
			ch <- res{nil, fmt.Errorf("setns %s: %w", n.Name, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		restored = unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil
		ch <- res{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// Close deletes every namespace of the lab (their veths go with them). Idempotent.
func (l *Lab) Close() {
	l.mu.Lock()
	nodes := l.nodes
	l.nodes = nil
	l.mu.Unlock()
	for _, n := range nodes {
		deleteNS(n.Name)
	}
	deleteNS(l.Bridge)
}

// deleteNS kills whatever still runs inside the namespace, then deletes it.
func deleteNS(name string) {
	if pids, err := exec.Command("ip", "netns", "pids", name).Output(); err == nil {
		for _, p := range strings.Fields(string(pids)) {
			if n, err := strconv.Atoi(p); err == nil {
				_ = unix.Kill(n, unix.SIGKILL)
			}
		}
	}
	_ = exec.Command("ip", "netns", "delete", name).Run()
}

func (l *Lab) must(args ...string) {
	l.t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		l.t.Fatalf("netns: ip %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

// SweepStale deletes namespaces of this package's prefix whose creating process is gone (a
// test binary killed before its cleanup ran). Processes still running inside them are killed
// first, so the namespace really goes away.
func SweepStale() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if !strings.HasPrefix(name, Prefix) {
			continue
		}
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(name, Prefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		deleteNS(name)
	}
}

func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// WaitFor polls cond every 50 ms until it returns nil or the timeout passes, and returns the
// last error. A helper for tests that wait on a lab's effects.
func WaitFor(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// AddAddr adds another address (198.18.x.y) to the node's veth, for servers that need one
// address each.
func (n *Node) AddAddr(addr netip.Addr) {
	n.lab.must("-n", n.Name, "addr", "add", addr.String()+"/24", "dev", "eth0")
}

// Do runs f on the calling goroutine with its OS thread inside the node's namespace: sockets
// f opens belong to the namespace, and processes f starts are born in it (a child inherits the
// namespace of the thread that forks it). The thread is put back afterwards; if that fails it
// stays locked and ends with the goroutine. f may call t.Fatal (the thread then ends too).
func (n *Node) Do(f func()) {
	n.lab.t.Helper()
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		n.lab.t.Fatalf("netns: %v", err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + n.Name)
	if err != nil {
		runtime.UnlockOSThread()
		n.lab.t.Fatalf("netns: %v", err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		n.lab.t.Fatalf("netns: setns %s: %v", n.Name, err)
	}
	defer func() {
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
	}()
	f()
}
