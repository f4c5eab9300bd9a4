package dnsserver

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Upstream is a stub-zone or forward-zone for Unbound: queries for Name go to Addrs
// ("ip:port" or "ip", port 53).
type Upstream struct {
	Name  string
	Addrs []string
}

// UnboundOptions configure a resolver.
type UnboundOptions struct {
	IP       string // default 127.0.0.1
	Port     int    // 0 picks a free one
	Stubs    []Upstream
	Forwards []Upstream
	// TrustAnchors are trust-anchor lines ("test. DS ..."); none by default, so nothing is
	// validated (the validator module is not even loaded).
	TrustAnchors []string
	// Extra is appended verbatim to the server: clause (indent with spaces).
	Extra string
}

// StartUnbound starts an Unbound resolver (`unbound -d -c unbound.conf`) that may query
// loopback servers (`do-not-query-localhost: no`), with `local-zone: "test." nodefault` and
// the given stub and forward zones. It waits until the resolver answers (version.server CH TXT).
func StartUnbound(t testing.TB, opts UnboundOptions) *Server {
	t.Helper()
	return launch(t, "unbound", "unbound", opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		ip := opts.IP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conf, err := unboundConf(dir, ip, port, opts)
		if err != nil {
			return nil, nil, err
		}
		path := filepath.Join(dir, "unbound.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"-d", "-c", path}, resolverReady, nil
	})
}

func unboundConf(dir, ip string, port int, opts UnboundOptions) (string, error) {
	var b strings.Builder
	modules := "iterator"
	if len(opts.TrustAnchors) > 0 {
		modules = "validator iterator"
	}
	fmt.Fprintf(&b, `server:
    interface: %s@%d
    port: %d
    do-daemonize: no
    username: ""
    chroot: ""
    directory: %q
    pidfile: %q
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    do-ip6: no
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: %q
    local-zone: "test." nodefault
    hide-version: no
`, ip, port, port, dir, filepath.Join(dir, "unbound.pid"), modules)
	for _, ta := range opts.TrustAnchors {
		fmt.Fprintf(&b, "    trust-anchor: %q\n", ta)
	}
	if opts.Extra != "" {
		b.WriteString(opts.Extra)
		if !strings.HasSuffix(opts.Extra, "\n") {
			b.WriteString("\n")
		}
	}
	for _, kind := range []struct {
		clause, addr string
		ups          []Upstream
	}{{"stub-zone", "stub-addr", opts.Stubs}, {"forward-zone", "forward-addr", opts.Forwards}} {
		for _, u := range kind.ups {
			fmt.Fprintf(&b, "%s:\n    name: %q\n", kind.clause, dns.Fqdn(u.Name))
			for _, a := range u.Addrs {
				ua, err := unboundAddr(a)
				if err != nil {
					return "", err
				}
				fmt.Fprintf(&b, "    %s: %s\n", kind.addr, ua)
			}
		}
	}
	return b.String(), nil
}

// unboundAddr turns "ip:port" or "ip" into Unbound's "ip@port".
func unboundAddr(a string) (string, error) {
	if ap, err := netip.ParseAddrPort(a); err == nil {
		return fmt.Sprintf("%s@%d", ap.Addr(), ap.Port()), nil
	}
	if ip, err := netip.ParseAddr(a); err == nil {
		return ip.String(), nil
	}
	return "", fmt.Errorf("unbound upstream address %q: want ip or ip:port", a)
}

func resolverReady(addr string) error {
	m := new(dns.Msg)
	m.SetQuestion("version.server.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return err
	}
	if len(r.Answer) == 0 {
		return errors.New("no answer to version.server")
	}
	return nil
}
