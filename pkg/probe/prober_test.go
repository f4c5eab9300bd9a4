package probe_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	tzstamp "github.com/twinzone/twinzone/pkg/stamp"
)

const (
	zone  = "example.test."
	stamp = "3f1c0a9d2b7e4c5f8a6d9e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
	other = "0000000000000000000000000000000000000000000000000000000000000000"
)

func newProber() *probe.Prober {
	return &probe.Prober{Timeout: 200 * time.Millisecond, TCPEvery: 4}
}

func healthyServer(t *testing.T) *probetest.Server {
	s := probetest.Start(t, zone)
	s.SetSerial(2026112201)
	s.SetStamp(stamp)
	return s
}

func probeOnce(t *testing.T, s *probetest.Server, expected string, round int) probe.Result {
	t.Helper()
	r := newProber().Round(context.Background(), []probe.Target{s.Target("p", "ns1.p.test.")}, zone, tz(expected), round)
	if len(r.Results) != 1 {
		t.Fatalf("got %d results", len(r.Results))
	}
	return r.Results[0]
}

func TestHealthy(t *testing.T) {
	s := healthyServer(t)
	res := probeOnce(t, s, stamp, 1)
	if res.Reason != probe.OK || !res.Healthy() {
		t.Fatalf("reason %s (%s)", res.Reason, res.Detail)
	}
	if res.Serial != 2026112201 || res.Stamp.Hash != stamp || res.Transport != "udp" || res.Latency <= 0 {
		t.Fatalf("result %+v", res)
	}
	if res.Provider != "p" || res.Nameserver != "ns1.p.test." || res.Addr != s.Addr {
		t.Fatalf("target not carried: %+v", res.Target)
	}
	if udp, tcp := s.Queries(); udp != 2 || tcp != 0 {
		t.Fatalf("queries udp=%d tcp=%d, want SOA+stamp over UDP", udp, tcp)
	}
	// Round 4 with TCPEvery 4 goes over TCP.
	res = probeOnce(t, s, stamp, 4)
	if res.Reason != probe.OK || res.Transport != "tcp" {
		t.Fatalf("tcp round: %+v", res)
	}
	if _, tcp := s.Queries(); tcp != 2 {
		t.Fatalf("tcp queries = %d", tcp)
	}
	// Without an expected stamp the stamp is reported but not judged.
	s.SetStamp("")
	if res = probeOnce(t, s, "", 1); res.Reason != probe.OK || !res.Stamp.IsZero() {
		t.Fatalf("no expected stamp: %+v", res)
	}
}

func TestFailureReasons(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(*probetest.Server)
		round    int
		want     probe.Reason
		detail   string
		expected string
	}{
		{"no AA", func(s *probetest.Server) { s.SetMode(probetest.NoAA) }, 1, probe.NotAuth, "AA", stamp},
		{"servfail", func(s *probetest.Server) { s.SetMode(probetest.ServFail) }, 1, probe.ServFail, "", stamp},
		{"refused", func(s *probetest.Server) { s.SetMode(probetest.Refused) }, 1, probe.Refused, "", stamp},
		{"wrong owner", func(s *probetest.Server) { s.SetMode(probetest.WrongOwner) }, 1, probe.WrongAnswer, "no SOA", stamp},
		{"stale stamp", func(s *probetest.Server) { s.SetStamp(other) }, 1, probe.StaleStamp, "want", stamp},
		{"missing stamp", func(s *probetest.Server) { s.SetStamp("") }, 1, probe.StaleStamp, "NXDOMAIN", stamp},
		{"timeout", func(s *probetest.Server) { s.SetMode(probetest.Silent) }, 1, probe.Timeout, "", stamp},
		{"timeout tcp", func(s *probetest.Server) { s.SetMode(probetest.Silent) }, 4, probe.Timeout, "", stamp},
		{"wrong question", func(s *probetest.Server) { s.SetMode(probetest.WrongQuestion) }, 1, probe.WrongAnswer, "asked", stamp},
		{"spoofed ID udp", func(s *probetest.Server) { s.SetMode(probetest.SpoofID) }, 1, probe.Timeout, "foreign ID", stamp},
		{"spoofed ID tcp", func(s *probetest.Server) { s.SetMode(probetest.SpoofID) }, 4, probe.WrongAnswer, "ID", stamp},
		{"garbage", func(s *probetest.Server) { s.SetMode(probetest.Garbage) }, 1, "", "", stamp},
		{"oversized udp", func(s *probetest.Server) { s.SetMode(probetest.Oversized) }, 1, probe.Malformed, "exceeds", stamp},
		// A runt is no reply (anyone can send one): the probe waits for a real one.
		{"short reply", func(s *probetest.Server) { s.SetMode(probetest.Raw); s.SetRaw([]byte{1, 2, 3}, false) }, 1, probe.Timeout, "shorter than a DNS header", stamp},
		{"not a response", func(s *probetest.Server) {
			s.SetMode(probetest.Raw)
			s.SetRaw([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true)
		}, 1, probe.WrongAnswer, "QR", stamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := healthyServer(t)
			c.setup(s)
			res := probeOnce(t, s, c.expected, c.round)
			if res.Healthy() {
				t.Fatalf("healthy result for %s: %+v", c.name, res)
			}
			if c.want != "" && res.Reason != c.want {
				t.Fatalf("reason %s (%s), want %s", res.Reason, res.Detail, c.want)
			}
			if !strings.Contains(res.Detail, c.detail) {
				t.Fatalf("detail %q does not mention %q", res.Detail, c.detail)
			}
		})
	}
}

func TestOversizedOverTCPIsFine(t *testing.T) {
	s := healthyServer(t)
	s.SetMode(probetest.Oversized)
	if res := probeOnce(t, s, stamp, 4); res.Reason != probe.OK || res.Transport != "tcp" {
		t.Fatalf("oversized over tcp: %s %s", res.Reason, res.Detail)
	}
}

func TestTruncatedFallsBackToTCP(t *testing.T) {
	s := healthyServer(t)
	s.SetMode(probetest.TruncateUDP)
	res := probeOnce(t, s, stamp, 1)
	if res.Reason != probe.OK || res.Transport != "tcp" || res.Serial != 2026112201 {
		t.Fatalf("truncated: %+v", res)
	}
	udp, tcp := s.Queries()
	if udp != 1 || tcp != 2 {
		t.Fatalf("queries udp=%d tcp=%d, want 1 truncated UDP then SOA+stamp over TCP", udp, tcp)
	}
}

func closedPort(t *testing.T) netip.AddrPort {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func TestClosedPortIsUnreachable(t *testing.T) {
	addr := closedPort(t)
	for _, round := range []int{1, 4} {
		r := newProber().Round(context.Background(), []probe.Target{{Provider: "p", Nameserver: "ns.", Addr: addr}}, zone, tz(stamp), round)
		if res := r.Results[0]; res.Reason != probe.Unreachable {
			t.Fatalf("round %d: reason %s (%s)", round, res.Reason, res.Detail)
		}
	}
}

func TestStoppedServerIsUnreachableThenRecovers(t *testing.T) {
	s := healthyServer(t)
	s.Stop()
	if res := probeOnce(t, s, stamp, 1); res.Reason != probe.Unreachable {
		t.Fatalf("stopped: %s %s", res.Reason, res.Detail)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if res := probeOnce(t, s, stamp, 1); res.Reason != probe.OK {
		t.Fatalf("restarted: %s %s", res.Reason, res.Detail)
	}
}

func TestRoundManyTargetsBounded(t *testing.T) {
	good := healthyServer(t)
	bad := healthyServer(t)
	bad.SetMode(probetest.Silent)
	var targets []probe.Target
	for i := 0; i < 10; i++ {
		targets = append(targets, good.Target("a", "ns1.a.test."), bad.Target("b", "ns1.b.test."))
	}
	p := newProber()
	p.Concurrency = 3
	r := p.Round(context.Background(), targets, zone, tz(stamp), 1)
	if len(r.Results) != len(targets) {
		t.Fatalf("%d results", len(r.Results))
	}
	for i, res := range r.Results {
		want := probe.OK
		if i%2 == 1 {
			want = probe.Timeout
		}
		if res.Reason != want || res.Target != targets[i] {
			t.Fatalf("result %d: %s for %v, want %s", i, res.Reason, res.Target, want)
		}
	}
	by := r.ByProvider()
	if len(by["a"]) != 10 || len(by["b"]) != 10 {
		t.Fatalf("by provider: %d %d", len(by["a"]), len(by["b"]))
	}
}

func TestRoundCancelled(t *testing.T) {
	s := healthyServer(t)
	s.SetMode(probetest.Silent)
	p := newProber()
	p.Timeout = 30 * time.Second
	p.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	targets := []probe.Target{s.Target("p", "ns1."), s.Target("p", "ns2."), s.Target("p", "ns3.")}
	done := make(chan probe.Round, 1)
	go func() { done <- p.Round(ctx, targets, zone, tz(stamp), 1) }()
	for {
		if udp, _ := s.Queries(); udp > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case r := <-done:
		for _, res := range r.Results {
			if res.Reason != probe.Timeout {
				t.Fatalf("cancelled result %+v", res)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Round did not return after cancel")
	}
}

func TestInvalidTarget(t *testing.T) {
	r := newProber().Round(context.Background(), []probe.Target{{Provider: "p"}}, zone, tz(stamp), 1)
	if r.Results[0].Reason != probe.Unreachable {
		t.Fatalf("zero address: %+v", r.Results[0])
	}
}

func BenchmarkRound(b *testing.B) {
	s := probetest.Start(b, zone)
	s.SetStamp(stamp)
	targets := make([]probe.Target, 16)
	for i := range targets {
		targets[i] = s.Target("p", "ns1.p.test.")
	}
	p := &probe.Prober{Timeout: time.Second}
	for b.Loop() {
		r := p.Round(context.Background(), targets, zone, tz(stamp), 1)
		if !r.Results[0].Healthy() {
			b.Fatal(r.Results[0].Detail)
		}
	}
}

// tz is the expected stamp of hash h ("" for none).
func tz(h string) tzstamp.Stamp {
	if h == "" {
		return tzstamp.Stamp{}
	}
	return tzstamp.Stamp{Hash: h}
}
