package delegation

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
)

type memCache map[string][]netip.AddrPort

func (m memCache) Addrs(n string) ([]netip.AddrPort, bool)     { a, ok := m[n]; return a, ok }
func (m memCache) SetAddrs(n string, a []netip.AddrPort) error { m[n] = a; return nil }

func TestParentServers(t *testing.T) {
	ctx := context.Background()
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "ns.parent.test." || host == "reg.test" {
			return []netip.Addr{netip.MustParseAddr("192.0.2.53")}, nil
		}
		return nil, errors.New("no such host")
	}
	var asked string
	ns := func(_ context.Context, zone string) ([]string, error) {
		asked = zone
		return []string{"ns.parent.test.", "gone.test."}, nil
	}
	cache := memCache{}
	got, err := ParentServers(ctx, "child.parent.test.", ParentsConfig{Resolve: resolve, LookupNS: ns, Cache: cache})
	if err != nil || asked != "parent.test." || !slices.Equal(got, []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")}) {
		t.Fatalf("parent NS: %v, %v (asked %s)", got, err, asked)
	}
	fail := func(context.Context, string) ([]string, error) { return nil, errors.New("resolver down") }
	if again, err := ParentServers(ctx, "child.parent.test.", ParentsConfig{Resolve: resolve, LookupNS: fail, Cache: cache}); err != nil || !slices.Equal(again, got) {
		t.Fatalf("lookup failed, cache: %v, %v", again, err)
	}
	if _, err := ParentServers(ctx, "child.parent.test.", ParentsConfig{Resolve: resolve, LookupNS: fail}); err == nil {
		t.Fatal("lookup failed, no cache: want an error")
	}
	for server, want := range map[string]string{"127.0.0.1:5300": "127.0.0.1:5300", "127.0.0.1": "127.0.0.1:53",
		"[::1]:5300": "[::1]:5300", "reg.test:5301": "192.0.2.53:5301", "reg.test": "192.0.2.53:53"} {
		got, err := ParentServers(ctx, "child.parent.test.", ParentsConfig{Server: server, Resolve: resolve, LookupNS: fail})
		if err != nil || len(got) != 1 || got[0].String() != want {
			t.Errorf("server %s: %v, %v; want %s", server, got, err, want)
		}
	}
	if _, err := ParentServers(ctx, "child.parent.test.", ParentsConfig{Server: "reg.test:99999", Resolve: resolve}); err == nil {
		t.Error("bad port: want an error")
	}
	if _, err := ParentServers(ctx, "test.", ParentsConfig{Resolve: resolve, LookupNS: func(_ context.Context, z string) ([]string, error) {
		asked = z
		return nil, errors.New("x")
	}}); err == nil || asked != "." {
		t.Errorf("a TLD's parent is the root: asked %q, %v", asked, err)
	}
}
