package drill

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// Addresses of the drill's lab: every server on port 53 of its own loopback address (a
// delegation cannot carry a port). They differ from the failover lab of cmd/twinzone
// (127.0.0.1-4) except BIND's, which can bind only 127.0.0.1: see dnsserver.LockPort53.
const (
	ParentIP    = "127.0.0.12" // Knot: the parent zone test. (the rfc2136 registrar)
	PrimaryIP   = "127.0.0.1"  // BIND: primary of example.test.
	SecondaryIP = "127.0.0.13" // Knot: secondary of example.test.
	ResolverIP  = "127.0.0.14" // Unbound: stub zone test. -> the parent
	// The other resolvers listen on free ports of helper 10's block (a resolver's own port
	// is not in any delegation): PowerDNS Recursor with its defaults, PowerDNS Recursor with
	// RecursorTuned, and Knot Resolver.
	RecursorIP      = "127.0.10.1"
	RecursorTunedIP = "127.0.10.2"
	KresdIP         = "127.0.10.3"
)

// Short lab TTLs, so that switch mode converges in seconds (real delegations: 172800 s).
const (
	// DelegationTTL is the TTL of the parent's NS and glue records for example.test.
	DelegationTTL = 3 * time.Second
	// RecordTTL is the TTL of the zone's records (zoneFile's $TTL).
	RecordTTL = time.Second
	// ResolverCacheMaxTTL caps every resolver's cache: Unbound's cache-max-ttl and
	// cache-max-negative-ttl, PowerDNS Recursor's max-cache-ttl (which it raises to at least
	// 15 s; the lab's TTLs are shorter anyway) and max-negative-ttl, Knot Resolver's
	// cache.max_ttl.
	ResolverCacheMaxTTL = 3 * time.Second
	// ResolverInfraTTL is Unbound's infra-host-ttl (how long it remembers a server's RTT or
	// that it timed out).
	ResolverInfraTTL = 3 * time.Second
	// ResolverMaxRTT (infra-cache-max-rtt) and ResolverMaxSent (max-sent-count) bound how long
	// Unbound keeps retrying the dead primary for a name: without them a resolution that began
	// with the old delegation retries it for many seconds, and every client query for that
	// name joins it, so switch mode would not recover until the primary came back.
	ResolverMaxRTT  = 500 * time.Millisecond
	ResolverMaxSent = 6
	// ResolverServfailHold is how long Unbound 1.17 answers SERVFAIL from its cache after a
	// failed resolution (NORR_TTL, not configurable).
	ResolverServfailHold = 5 * time.Second
)

// RecursorTuned are the settings of the second PowerDNS Recursor: failed answers leave its
// packet cache after 1 s instead of packetcache-servfail-ttl's 60 s (see the README's drill
// section for why this is the setting that matters in switch mode).
var RecursorTuned = []string{"packetcache-servfail-ttl=1"}

// Resolver is one resolver the load loop asks.
type Resolver struct {
	Name string // "Unbound", "PowerDNS Recursor", ...
	// ServfailHold is how long, by its documentation, the resolver answers SERVFAIL from
	// its cache after a failed lookup: Unbound 1.17 ResolverServfailHold (NORR_TTL),
	// PowerDNS Recursor packetcache-servfail-ttl (default 60 s); Knot Resolver none (none
	// measured: it recovers when the delegation TTL expires).
	ServfailHold time.Duration
	*dnsserver.Server
}

// Lab is the drill's running servers and the directory of its twinzone.yaml.
type Lab struct {
	Mode                       string
	Parent, Primary, Secondary *dnsserver.Server
	// Resolvers all resolve through the parent, Unbound first.
	Resolvers []Resolver
	Dir       string
	Key       dnsserver.TSIG
}

// unboundExtra is the resolver's short-cache configuration.
func unboundExtra() string {
	c := int(ResolverCacheMaxTTL / time.Second)
	return fmt.Sprintf(`    cache-max-ttl: %d
    cache-max-negative-ttl: %d
    infra-host-ttl: %d
    prefetch: no
    infra-cache-max-rtt: %d
    max-sent-count: %d
`, c, c, int(ResolverInfraTTL/time.Second), ResolverMaxRTT.Milliseconds(), ResolverMaxSent)
}

// StartLab starts the servers of mode's lab (pkg/testutil/lab with Unbound, then PowerDNS
// Recursor twice and Knot Resolver, all stopped on t.Cleanup) and writes the zone file into
// a temporary directory. The caller holds dnsserver.LockPort53.
func StartLab(t testing.TB, mode string) *Lab {
	t.Helper()
	tl := lab.Start(t, lab.Options{ActiveActive: mode == "active-active", OwnNS: true,
		ParentIP: ParentIP, PrimaryIP: PrimaryIP, SecondaryIP: SecondaryIP, DelegationTTL: DelegationTTL,
		Resolver: &dnsserver.UnboundOptions{IP: ResolverIP, Port: 53, Extra: unboundExtra()}})
	l := &Lab{Mode: mode, Key: tl.Key, Dir: t.TempDir(), Parent: tl.Parent, Primary: tl.Primary, Secondary: tl.Secondary}
	fw := []dnsserver.Upstream{{Name: ParentZone, Addrs: []string{ParentIP}}}
	cache := []string{"max-cache-ttl=" + wholeSecs(ResolverCacheMaxTTL), "max-negative-ttl=" + wholeSecs(ResolverCacheMaxTTL)}
	l.Resolvers = []Resolver{
		{"Unbound", ResolverServfailHold, tl.Resolver},
		{"PowerDNS Recursor", 60 * time.Second, dnsserver.StartRecursor(t, dnsserver.RecursorOptions{IP: RecursorIP, Forwards: fw, Settings: cache})},
		{"PowerDNS Recursor (" + strings.Join(RecursorTuned, ", ") + ")", time.Second, dnsserver.StartRecursor(t, dnsserver.RecursorOptions{
			IP: RecursorTunedIP, Forwards: fw, Settings: append(slices.Clone(cache), RecursorTuned...)})},
		{"Knot Resolver", 0, dnsserver.StartKresd(t, dnsserver.KresdOptions{IP: KresdIP, CacheMaxTTL: ResolverCacheMaxTTL,
			Root: dnsserver.Upstream{Name: "ns." + ParentZone, Addrs: []string{ParentIP}}})},
	}
	if err := os.WriteFile(filepath.Join(l.Dir, "example.test.zone"), []byte(zoneFile), 0o600); err != nil {
		t.Fatal(err)
	}
	return l
}

// wholeSecs is d in whole seconds, as resolvers' configurations take it.
func wholeSecs(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
