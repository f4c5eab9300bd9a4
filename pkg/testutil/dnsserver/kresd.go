package dnsserver

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// KresdOptions configure a Knot Resolver.
type KresdOptions struct {
	IP   string // default 127.0.0.1
	Port int    // 0 picks a free one
	// Root is the name and addresses ("ip" or "ip:port") the resolver takes for the root's
	// servers: a lab's parent, whose referrals it follows. Knot Resolver has no stub zone
	// that iterates (policy.STUB only relays), so a lab's parent stands in for the root.
	Root Upstream
	// CacheMaxTTL caps every cached TTL (cache.max_ttl) and drops the floor of 5 s that
	// Knot Resolver puts under short TTLs (cache.min_ttl(0)); 0 keeps both defaults (1 day, 5 s).
	CacheMaxTTL time.Duration
	// Extra is Lua appended to the configuration.
	Extra string
}

// StartKresd starts kresd (`kresd -n -c kresd.conf DIR`, its cache and control socket in
// DIR) listening on opts.IP, with no trust anchor (test zones are unsigned), the modules
// that query the root on their own unloaded (priming, ta_update, ta_signal_query,
// detect_time_skew), root hints set to opts.Root, queries to loopback allowed (the
// ALLOW_LOCAL flag for every query), special-use names such as test. resolved rather than
// refused (a PASS rule ahead of policy.special_names), a 10 MB cache, and waits until it
// answers (version.bind CH TXT, whatever the rcode).
func StartKresd(t testing.TB, opts KresdOptions) *Server {
	t.Helper()
	return launch(t, "kresd", "kresd", opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		ip := opts.IP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conf, err := kresdConf(dir, ip, port, opts)
		if err != nil {
			return nil, nil, err
		}
		path := filepath.Join(dir, "kresd.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"-n", "-c", path, dir}, chaosReady, nil
	})
}

func kresdConf(dir, ip string, port int, opts KresdOptions) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `-- written by dnsserver.StartKresd
log_target('stderr')
net.ipv6 = false
net.listen(%q, %d, { kind = 'dns' })
trust_anchors.remove('.')
for _, m in ipairs({'ta_update', 'ta_signal_query', 'priming', 'detect_time_skew', 'detect_time_jump'}) do
	modules.unload(m)
end
modules.load('hints > iterate')
cache.open(10 * MB, 'lmdb://%s')
policy.add(policy.all(policy.FLAGS('ALLOW_LOCAL')))
policy.add(policy.all(policy.PASS))
`, ip, port, filepath.Join(dir, "cache"))
	if opts.CacheMaxTTL > 0 {
		fmt.Fprintf(&b, "cache.min_ttl(0)\ncache.max_ttl(%d)\n", int(opts.CacheMaxTTL/time.Second))
	}
	if opts.Root.Name != "" {
		var addrs []string
		for _, a := range opts.Root.Addrs {
			ka, err := kresdAddr(a)
			if err != nil {
				return "", err
			}
			addrs = append(addrs, fmt.Sprintf("%q", ka))
		}
		fmt.Fprintf(&b, "hints.root({[%q] = {%s}})\n", dns.Fqdn(opts.Root.Name), strings.Join(addrs, ", "))
	}
	if opts.Extra != "" {
		b.WriteString(opts.Extra)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// kresdAddr turns "ip:port" or "ip" into Knot Resolver's "ip@port" or "ip".
func kresdAddr(a string) (string, error) {
	if ap, err := netip.ParseAddrPort(a); err == nil {
		return fmt.Sprintf("%s@%d", ap.Addr(), ap.Port()), nil
	}
	if ip, err := netip.ParseAddr(a); err == nil {
		return ip.String(), nil
	}
	return "", fmt.Errorf("kresd address %q: want ip or ip:port", a)
}
