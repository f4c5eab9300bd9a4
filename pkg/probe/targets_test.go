package probe_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/state"
)

var _ probe.AddrCache = (*state.AddrCache)(nil)

func TestTargetsResolvesAndCaches(t *testing.T) {
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cache := st.AddrCache(zone)
	up := true
	calls := 0
	p := newProber()
	p.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		calls++
		if !up {
			return nil, errors.New("SERVFAIL")
		}
		switch host {
		case "ns1.p.test.":
			return []netip.Addr{netip.MustParseAddr("::ffff:192.0.2.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("192.0.2.1")}, nil
		case "ns2.p.test.":
			return []netip.Addr{netip.MustParseAddr("192.0.2.2")}, nil
		}
		return nil, errors.New("NXDOMAIN")
	}
	set := nameserver.Set{
		{Name: "ns1.p.test."},
		{Name: "NS2.p.test."},
		{Name: "ns3.p.test.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:5353")}},
	}
	want := "p ns1.p.test. 192.0.2.1:53|p ns1.p.test. [2001:db8::1]:53|p ns2.p.test. 192.0.2.2:53|p ns3.p.test. 127.0.0.1:5353"
	got, err := p.Targets(context.Background(), "p", set, cache)
	if err != nil {
		t.Fatal(err)
	}
	if s := render(got); s != want {
		t.Fatalf("targets\n got %s\nwant %s", s, want)
	}
	if calls != 2 {
		t.Fatalf("resolver called %d times, want 2 (configured addresses are not resolved)", calls)
	}
	// The provider's domain goes down: the state directory still knows the addresses.
	up = false
	reopened, _ := state.Open(st.Dir())
	got, err = p.Targets(context.Background(), "p", set, reopened.AddrCache(zone))
	if err != nil {
		t.Fatal(err)
	}
	if s := render(got); s != want {
		t.Fatalf("cached targets\n got %s\nwant %s", s, want)
	}
	// No cache and no resolution: the others are returned with an error naming the failure.
	got, err = p.Targets(context.Background(), "p", set, nil)
	if err == nil || !strings.Contains(err.Error(), "ns1.p.test.") || !strings.Contains(err.Error(), "ns2.p.test.") {
		t.Fatalf("err = %v", err)
	}
	if len(got) != 1 || got[0].Nameserver != "ns3.p.test." {
		t.Fatalf("partial targets = %v", render(got))
	}
}

func render(ts []probe.Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.Provider+" "+t.Nameserver+" "+t.Addr.String())
	}
	return strings.Join(parts, "|")
}
