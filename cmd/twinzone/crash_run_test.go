package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// TestKillRunAfterTheRegistrarAccepted: `twinzone run` (a child process) fails over through
// the rfc2136 registrar; a proxy in front of the real Knot parent passes the UPDATE on (the
// parent applies it) but holds its reply, and the controller is killed with SIGKILL while it
// waits (accepted, outcome not recorded). A new `run` finds the change made: no second registrar call, and the change
// counts toward the cooldown (the automatic failback waits) and the daily cap.
func TestKillRunAfterTheRegistrarAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("lab test: -short")
	}
	tl := lab.Start(t, lab.Options{})
	key, parent, bind, knot := tl.Key, tl.Parent, tl.Primary, tl.Secondary
	proxy := startHoldingProxy(t, parent.Addr)
	dir := t.TempDir()
	port, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	t.Setenv("TZ_KILL_TSIG", key.Secret)
	cfg := fmt.Sprintf(`state_dir: state
controller: {listen: "%[4]s"}
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[3]s, key_alg: hmac-sha256, key: "${TZ_KILL_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[3]s, key_alg: hmac-sha256, key: "${TZ_KILL_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[5]s", zone: test., key_name: %[3]s, key_alg: hmac-sha256, key: "${TZ_KILL_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 1s, timeout: 800ms, fail_after: 2, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: true, max_per_day: 1, failback: auto, require_in_sync: true, propagation_timeout: 30s}
`, bind.Addr, knot.Addr, key.Name, listen, proxy.addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	if code, out := runChild(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}

	var out bytes.Buffer
	runner := crashChild(t, &out, "run", "--config", conf, "--sync-interval", "0", "--log-level", "debug")
	exited := make(chan error, 1)
	go func() { exited <- runner.Wait() }()
	bind.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if proxy.updates.Load() > 0 && slices.Equal(parentNS(t, []netip.AddrPort{parent.AddrPort()}), []string{"ns2.example.test."}) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("twinzone run exited (%v) before the registrar accepted\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = runner.Process.Kill()
			<-exited
			t.Fatalf("the registrar was not asked within 30 s\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = runner.Process.Kill() // SIGKILL: the registrar accepted, the outcome is not recorded
	<-exited
	failed := []string{"ns2.example.test."}
	if got := parentNS(t, []netip.AddrPort{parent.AddrPort()}); !slices.Equal(got, failed) {
		t.Fatalf("the parent publishes %v, want the failover set %v", got, failed)
	}
	st, err := state.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := st.ZoneHistory(context.Background(), e2eOrigin)
	if last, _ := h.Last(); err != nil || !last.Abandoned() || !last.Auto {
		t.Fatalf("after the kill the history holds %+v (%v), want an automatic change without outcome", h.Changes, err)
	}

	// The primary is back; a new controller starts. failback: auto wants the primary back, but
	// the interrupted failover counts: its cooldown (1 h) holds the failback.
	bind.Start()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "run", "--config", conf, "--sync-interval", "0"}, &syncBuffer{}, logs)
	}()
	defer func() { cancel(); <-done }()
	waitHealthy(t, listen, logs)
	for limit := time.Now().Add(20 * time.Second); findLine(logs.String(), "reason=cooldown") == ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(limit) {
			t.Fatalf("the failback was not held back by the cooldown of the interrupted failover\n%s", logs.String())
		}
	}
	if findLine(logs.String(), `msg="found a delegation change interrupted by a crash"`, "applied=true") == "" {
		t.Fatalf("the interrupted change was not settled as applied\n%s", logs.String())
	}
	if n := proxy.updates.Load(); n != 1 {
		t.Fatalf("the registrar was asked %d times, want once", n)
	}
	h, _ = st.ZoneHistory(context.Background(), e2eOrigin)
	if n := h.AutoFailoversOn(time.Now(), failed); n != 1 {
		t.Fatalf("the interrupted failover counts %d toward the daily cap, want 1: %+v", n, h.Changes)
	}
}

// holdingProxy forwards DNS over UDP and TCP to a parent server but never returns the reply to
// an UPDATE: the parent applies the change while the sender waits for an answer.
type holdingProxy struct {
	addr    string
	updates atomic.Int32
}

func startHoldingProxy(t *testing.T, upstream string) *holdingProxy {
	t.Helper()
	p := &holdingProxy{}
	var udp net.PacketConn
	var tcp net.Listener
	for range 20 { // the same port for UDP and TCP
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", u.LocalAddr().String())
		if err == nil {
			udp, tcp = u, l
			break
		}
		u.Close()
	}
	if udp == nil {
		t.Fatal("no free port for UDP and TCP")
	}
	p.addr = udp.LocalAddr().String()
	var conns sync.WaitGroup
	t.Cleanup(func() { udp.Close(); tcp.Close(); conns.Wait() })
	isUpdate := func(m []byte) bool { return len(m) > 2 && (m[2]>>3)&0xF == dns.OpcodeUpdate }
	exchange := func(network string, m []byte) []byte {
		c, err := net.DialTimeout(network, upstream, 2*time.Second)
		if err != nil {
			return nil
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		dc := &dns.Conn{Conn: c}
		if _, err := dc.Write(m); err != nil {
			return nil
		}
		r, err := dc.ReadMsgHeader(nil)
		if err != nil {
			return nil
		}
		return r
	}
	conns.Add(2)
	go func() {
		defer conns.Done()
		buf := make([]byte, 65535)
		for {
			n, from, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			m := append([]byte(nil), buf[:n]...)
			if isUpdate(m) {
				p.updates.Add(1)
				exchange("udp", m) // applied; the reply is held
				continue
			}
			if r := exchange("udp", m); r != nil {
				_, _ = udp.WriteTo(r, from)
			}
		}
	}()
	go func() {
		defer conns.Done()
		for {
			c, err := tcp.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(60 * time.Second))
				dc := &dns.Conn{Conn: c}
				for {
					m, err := dc.ReadMsgHeader(nil)
					if err != nil {
						return
					}
					if isUpdate(m) {
						p.updates.Add(1)
						exchange("tcp", m)
						continue
					}
					if r := exchange("tcp", m); r != nil {
						if _, err := dc.Write(r); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return p
}
