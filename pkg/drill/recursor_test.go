package drill

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// TestRecursorServfailHold checks the README's explanation of PowerDNS Recursor's switch-mode
// figure on the drill's lab, without twinzone: the primary dies, a lookup fails, the parent
// moves the delegation to the secondary. Once Knot Resolver (no SERVFAIL cache, the same
// max cache TTL) resolves through the new delegation, PowerDNS Recursor with its defaults
// still answers SERVFAIL (packetcache-servfail-ttl, 60 s), the one with RecursorTuned
// resolves, and `rec_control wipe-cache example.test.$` ends the hold at once.
func TestRecursorServfailHold(t *testing.T) {
	if testing.Short() {
		t.Skip("drill: -short")
	}
	dnsserver.LockPort53(t)
	lab := StartLab(t, "switch")
	def, tuned, kresd := lab.Resolvers[1], lab.Resolvers[2], lab.Resolvers[3]
	const name = "ns1.example.test." // served by both; not asked before the primary dies
	// ask returns the rcode, -1 for no answer in time.
	ask := func(r Resolver) int {
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, r.Addr)
		if err != nil {
			var ne net.Error
			if ok := asNetError(err, &ne); ok && ne.Timeout() {
				return -1
			}
			t.Fatalf("%s: %v", r.Name, err)
		}
		return resp.Rcode
	}
	lab.Primary.Stop()
	for _, r := range []Resolver{def, tuned, kresd} {
		if rc := ask(r); rc == dns.RcodeSuccess {
			t.Fatalf("%s: %s resolves with the primary stopped", r.Name, name)
		}
	}
	moveDelegation(t, lab)
	until := func(what string, r Resolver, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for ask(r) != dns.RcodeSuccess {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s does not resolve within %s of %s", r.Name, name, within, what)
			}
			time.Sleep(100 * time.Millisecond) // polling a resolver's cache expiry
		}
	}
	until("the delegation move", kresd, DelegationTTL+5*time.Second)
	until("the delegation move", tuned, 3*time.Second)
	if rc := ask(def); rc != dns.RcodeServerFailure {
		t.Errorf("%s: rcode %s once the others resolve through the new delegation, want the SERVFAIL it holds", def.Name, dns.RcodeToString[rc])
	}
	out, err := dnsserver.RecControl(def.Server, "wipe-cache", Zone+"$")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rec_control wipe-cache %s$: %s", Zone, strings.TrimSpace(out))
	if rc := ask(def); rc != dns.RcodeSuccess {
		t.Errorf("%s after wipe-cache: rcode %s, want NOERROR", def.Name, dns.RcodeToString[rc])
	}
}

// moveDelegation points the parent's delegation of example.test. at the secondary alone
// (RFC 2136, signed with the lab's key), as the drill's failover does.
func moveDelegation(t *testing.T, lab *Lab) {
	t.Helper()
	ttl := uint32(DelegationTTL / time.Second)
	ns := func(target string) dns.RR {
		return &dns.NS{Hdr: dns.RR_Header{Name: Zone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: ttl}, Ns: target}
	}
	m := new(dns.Msg)
	m.SetUpdate(ParentZone)
	m.RemoveRRset([]dns.RR{ns(PrimaryNS)})
	m.Insert([]dns.RR{ns(SecondNS), &dns.A{Hdr: dns.RR_Header{Name: SecondNS, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: net.ParseIP(SecondaryIP)}})
	m.SetTsig(dns.Fqdn(lab.Key.Name), dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Timeout: 2 * time.Second, TsigSecret: map[string]string{dns.Fqdn(lab.Key.Name): lab.Key.Secret}}
	r, _, err := c.Exchange(m, lab.Parent.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update the parent: %v %v", err, r)
	}
}

func asNetError(err error, target *net.Error) bool { return errors.As(err, target) }
