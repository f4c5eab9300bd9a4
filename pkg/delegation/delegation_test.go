package delegation

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func reader() *Reader { return &Reader{Timeout: 200 * time.Millisecond} }

func TestReferral(t *testing.T) {
	p := startParent(t, "NS2.Prov-A.example.", "ns1.prov-a.example.")
	ds := mustDS(t, "12345 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")
	p.set(func(p *fakeParent) { p.ds = []dns.RR{ds} })
	d, err := reader().Delegation(context.Background(), []netip.AddrPort{p.addr}, "Child.Test")
	if err != nil {
		t.Fatal(err)
	}
	if d.Zone != child || join(d.NS) != "ns1.prov-a.example. ns2.prov-a.example." || d.NSTTL != 3600 || !d.Agree {
		t.Fatalf("delegation %+v", d)
	}
	if len(d.DS) != 1 || d.DS[0].KeyTag != 12345 || d.Servers[0].DSTTL != 86400 {
		t.Fatalf("DS = %v", d.DS)
	}
}

func TestAuthoritativeAlsoAndTCP(t *testing.T) {
	p := startParent(t, "a.ns.example.", "b.ns.example.")
	p.set(func(p *fakeParent) { p.authChild, p.truncUDP = true, true })
	d, err := reader().Delegation(context.Background(), []netip.AddrPort{p.addr}, child)
	if err != nil {
		t.Fatal(err)
	}
	if join(d.NS) != "a.ns.example. b.ns.example." || len(d.DS) != 0 || !d.Agree {
		t.Fatalf("delegation %+v", d)
	}
}

func closedAddr(t *testing.T) netip.AddrPort {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func TestDisagreementAndFailures(t *testing.T) {
	p1 := startParent(t, "a.ns.example.")
	p2 := startParent(t, "a.ns.example.", "b.ns.example.")
	p3 := startParent(t, "A.ns.example.")
	r := reader()
	ctx := context.Background()
	d, err := r.Delegation(ctx, []netip.AddrPort{p1.addr, p3.addr}, child)
	if err != nil || !d.Agree {
		t.Fatalf("same sets (case differs): agree=%v err=%v", d.Agree, err)
	}
	d, err = r.Delegation(ctx, []netip.AddrPort{p1.addr, p2.addr}, child)
	if err != nil || d.Agree || join(d.Servers[1].NS) != "a.ns.example. b.ns.example." {
		t.Fatalf("different sets: %+v %v", d, err)
	}
	p3.set(func(p *fakeParent) { p.ds = []dns.RR{mustDS(t, "1 8 2 00FF")} })
	if d, _ = r.Delegation(ctx, []netip.AddrPort{p1.addr, p3.addr}, child); d.Agree {
		t.Fatal("different DS: want agree=false")
	}
	dead := closedAddr(t)
	d, err = r.Delegation(ctx, []netip.AddrPort{dead, p1.addr}, child)
	if err != nil || d.Agree || d.Servers[0].Err == nil || len(d.Answered()) != 1 || join(d.NS) != "a.ns.example." {
		t.Fatalf("one server down: %+v %v", d, err)
	}
	if _, err = r.Delegation(ctx, []netip.AddrPort{dead}, child); err == nil {
		t.Fatal("all servers down: want error")
	}
	_, err = r.Delegation(ctx, []netip.AddrPort{p1.addr}, "other.test.")
	if err == nil || !strings.Contains(err.Error(), "NXDOMAIN") {
		t.Fatalf("not delegated: %v", err)
	}
	if _, err = r.Delegation(ctx, nil, child); err == nil {
		t.Fatal("no servers: want error")
	}
}

func TestWaitFor(t *testing.T) {
	p1 := startParent(t, "old1.example.", "old2.example.")
	p2 := startParent(t, "old1.example.", "old2.example.")
	want := []string{"New2.example", "new1.example."}
	p1.set(func(p *fakeParent) { p.after, p.next = 2, []string{"new1.example.", "new2.example."} })
	p2.set(func(p *fakeParent) { p.after, p.next = 4, []string{"new2.example.", "new1.example."} })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := reader().WaitFor(ctx, []netip.AddrPort{p1.addr, p2.addr}, child, want, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	p2.mu.Lock()
	n := p2.nsQueries
	p2.mu.Unlock()
	if n != 4 {
		t.Fatalf("WaitFor returned after %d polls of the slower server, want 4", n)
	}
}

func TestWaitForDeadline(t *testing.T) {
	p := startParent(t, "old1.example.")
	// Long enough for the fake parent to answer at least once on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := reader().WaitFor(ctx, []netip.AddrPort{p.addr}, child, []string{"new.example."}, 10*time.Millisecond)
	if !errors.Is(err, ErrNotVisible) || !strings.Contains(err.Error(), "old1.example.") {
		t.Fatalf("err = %v", err)
	}
	if _, err := reader().WaitFor(context.Background(), []netip.AddrPort{p.addr}, child, nil, 0); err == nil {
		t.Fatal("empty want: want error")
	}
}
