// Package lab starts the real-server lab of twinzone's failover tests (the drill, the
// failover lab, the crash and controller acceptance tests): a Knot parent for test. that the
// rfc2136 registrar changes, BIND as the primary and Knot as the secondary of example.test.,
// and optionally Unbound resolving through the parent. One builder, so that every test runs
// the same lab.
package lab

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// Names of the lab.
const (
	ParentZone  = "test."
	Zone        = "example.test."
	PrimaryNS   = "ns1.example.test."
	SecondaryNS = "ns2.example.test."
)

// Options choose the lab. The zero value is a switch-mode lab on free ports of 127.0.0.1.
type Options struct {
	// ActiveActive makes the parent delegate to both providers (the normal set of
	// active-active); otherwise to the primary only.
	ActiveActive bool
	// ParentIP, PrimaryIP, SecondaryIP put the servers on port 53 of these addresses, as a
	// delegation path needs (resolvers cannot be told a port); the caller holds
	// dnsserver.LockPort53. Empty: 127.0.0.1 on free ports.
	ParentIP, PrimaryIP, SecondaryIP string
	// Resolver, when set, also starts Unbound with a stub zone test. pointing at the parent
	// (its IP and port are the resolver's own; Stubs is filled in).
	Resolver *dnsserver.UnboundOptions
	// DelegationTTL is the TTL of the parent's NS and glue records; default 60 s.
	DelegationTTL time.Duration
	// Key is the TSIG key every server accepts; nil: dnsserver.TestKey.
	Key *dnsserver.TSIG
	// OwnNS makes each provider serve only its own apex NS (the drill's switch mode); by
	// default both serve both names.
	OwnNS bool
}

// Lab is the running servers (stopped on t.Cleanup) and the TSIG key they all accept.
type Lab struct {
	Key                                  dnsserver.TSIG
	Parent, Primary, Secondary, Resolver *dnsserver.Server
	// Normal is the NS set the parent delegates to at start.
	Normal []string
}

// Start starts the lab of o.
func Start(t testing.TB, o Options) *Lab {
	t.Helper()
	key := dnsserver.TestKey
	if o.Key != nil {
		key = *o.Key
	}
	l := &Lab{Key: key, Normal: []string{PrimaryNS}}
	if o.ActiveActive {
		l.Normal = append(l.Normal, SecondaryNS)
	}
	opts := func(ip string, zone, text string) dnsserver.Options {
		so := dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: zone, Text: text}}}
		if ip != "" {
			so.IP, so.Port = ip, 53
		}
		return so
	}
	primaryNS, secondaryNS := []string{PrimaryNS, SecondaryNS}, []string{PrimaryNS, SecondaryNS}
	if o.OwnNS && !o.ActiveActive {
		primaryNS, secondaryNS = []string{PrimaryNS}, []string{SecondaryNS}
	}
	l.Parent = dnsserver.StartKnot(t, opts(o.ParentIP, ParentZone, ParentZoneText(o)))
	l.Primary = dnsserver.StartBIND(t, opts(o.PrimaryIP, Zone, ChildZoneText(o, primaryNS...)))
	l.Secondary = dnsserver.StartKnot(t, opts(o.SecondaryIP, Zone, ChildZoneText(o, secondaryNS...)))
	if o.Resolver != nil {
		ro := *o.Resolver
		ro.Stubs = []dnsserver.Upstream{{Name: ParentZone, Addrs: []string{l.Parent.Addr}}}
		if o.ParentIP != "" {
			ro.Stubs[0].Addrs = []string{o.ParentIP}
		}
		l.Resolver = dnsserver.StartUnbound(t, ro)
	}
	return l
}

func orLoopback(ip string) string {
	if ip == "" {
		return "127.0.0.1"
	}
	return ip
}

// ChildZoneText is what a provider serves before the first sync: the SOA, the given apex NS
// names and both names' addresses.
func ChildZoneText(o Options, ns ...string) string {
	var b strings.Builder
	b.WriteString("$ORIGIN example.test.\n@ 60 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 60\n")
	for _, n := range ns {
		fmt.Fprintf(&b, "@ 60 IN NS %s\n", n)
	}
	fmt.Fprintf(&b, "ns1 60 IN A %s\nns2 60 IN A %s\n", orLoopback(o.PrimaryIP), orLoopback(o.SecondaryIP))
	return b.String()
}

// ParentZoneText is the parent zone: it delegates example.test. to the mode's normal set.
func ParentZoneText(o Options) string {
	ttl := int(o.DelegationTTL / time.Second)
	if ttl <= 0 {
		ttl = 60
	}
	var b strings.Builder
	fmt.Fprintf(&b, `$ORIGIN test.
@ 60 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 2
@ 60 IN NS ns.test.
ns 60 IN A %s
example %d IN NS ns1.example.test.
ns1.example %d IN A %s
`, orLoopback(o.ParentIP), ttl, ttl, orLoopback(o.PrimaryIP))
	if o.ActiveActive {
		fmt.Fprintf(&b, "example %d IN NS ns2.example.test.\nns2.example %d IN A %s\n", ttl, ttl, orLoopback(o.SecondaryIP))
	}
	return b.String()
}
