package probe_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/probe"
)

// hostile is a UDP front for a real (probetest) server: for every query it first sends the
// junk given by junk(query), then, unless drop is set, the server's real reply.
type hostile struct {
	addr netip.AddrPort
	mu   sync.Mutex
	sent int
}

func startHostile(t *testing.T, backend netip.AddrPort, junk func(q []byte) [][]byte, drop bool) *hostile {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostile{addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return // closed at cleanup
			}
			q := append([]byte(nil), buf[:n]...)
			for _, j := range junk(q) {
				if _, err := pc.WriteTo(j, from); err == nil {
					h.mu.Lock()
					h.sent++
					h.mu.Unlock()
				}
			}
			if drop {
				continue
			}
			reply, err := forward(backend, q)
			if err == nil {
				_, _ = pc.WriteTo(reply, from)
			}
		}
	}()
	return h
}

func (h *hostile) junkSent() int { h.mu.Lock(); defer h.mu.Unlock(); return h.sent }

// forward asks the real server and returns its reply.
func forward(backend netip.AddrPort, q []byte) ([]byte, error) {
	c, err := net.Dial("udp", backend.String())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(q); err != nil {
		return nil, err
	}
	b := make([]byte, 65535)
	n, err := c.Read(b)
	return b[:n], err
}

// flood is what an off-path attacker (or a confused middlebox) sends: empty, 2-byte and
// 11-byte datagrams, then 40 well-formed replies with other IDs.
func flood(q []byte) [][]byte {
	out := [][]byte{{}, {0xab, 0xcd}, make([]byte, 11)}
	for i := range 40 {
		j := append([]byte(nil), q...)
		binary.BigEndian.PutUint16(j, binary.BigEndian.Uint16(q)+uint16(i)+1)
		j[2] |= 0x80 | 0x04 // QR and AA: it looks like an answer
		out = append(out, j)
	}
	return out
}

// TestProbeIgnoresDatagramsThatAreNotReplies: runts and any number of foreign IDs before the
// real reply do not make a healthy server look unhealthy; with no real reply, the probe waits
// for its timeout and says what it ignored.
func TestProbeIgnoresDatagramsThatAreNotReplies(t *testing.T) {
	s := healthyServer(t)
	h := startHostile(t, s.Addr, flood, false)
	target := s.Target("p", "ns1.p.test.")
	target.Addr = h.addr
	p := &probe.Prober{Timeout: 2 * time.Second, TCPEvery: 0}
	r := p.Round(context.Background(), []probe.Target{target}, zone, tz(stamp), 1)
	if res := r.Results[0]; res.Reason != probe.OK || res.Stamp.Hash != stamp {
		t.Fatalf("a flood of %d non-replies before the real reply: %s (%s), want ok", h.junkSent(), res.Reason, res.Detail)
	}
	if n := h.junkSent(); n < 2*43 {
		t.Fatalf("only %d junk datagrams sent: the test proves nothing", n)
	}

	silent := startHostile(t, s.Addr, flood, true)
	target.Addr = silent.addr
	p.Timeout = 300 * time.Millisecond
	res := p.Round(context.Background(), []probe.Target{target}, zone, tz(stamp), 1).Results[0]
	if res.Reason != probe.Timeout || !strings.Contains(res.Detail, "ignored 40 datagrams with a foreign ID, 3 shorter") {
		t.Fatalf("only junk: %s (%s), want a timeout naming what was ignored", res.Reason, res.Detail)
	}
}
