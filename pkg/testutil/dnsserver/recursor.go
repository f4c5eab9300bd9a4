package dnsserver

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// RecursorOptions configure a PowerDNS Recursor.
type RecursorOptions struct {
	IP   string // default 127.0.0.1
	Port int    // 0 picks a free one
	// Forwards become forward-zones: queries for Name go to Addrs ("ip" or "ip:port") with
	// RD=0 and the delegations those servers return are followed, as an Unbound stub-zone.
	Forwards []Upstream
	// Settings are "name=value" lines of recursor.conf that replace the default of that name
	// (or add it), e.g. "packetcache-servfail-ttl=0".
	Settings []string
}

// RecursorDefaults are the settings StartRecursor writes before opts.Settings: nothing is
// sent off the machine (security-poll-suffix empty, no root hints: hint-file=no), loopback
// servers may be queried (dont-query empty), no DNSSEC processing (test zones are unsigned
// and have no trust anchor), one thread, logs to stdout, sockets in the temp dir.
var RecursorDefaults = []string{
	"daemon=no",
	"write-pid=no",
	"disable-syslog=yes",
	"log-timestamp=yes",
	"loglevel=6",
	"quiet=yes",
	"threads=1",
	"pdns-distributes-queries=no",
	"allow-from=127.0.0.0/8",
	"dont-query=",
	"security-poll-suffix=",
	"hint-file=no",
	"dnssec=off",
}

// StartRecursor starts pdns_recursor (`pdns_recursor --config-dir=DIR`, recursor.conf and its
// control socket in DIR) with RecursorDefaults, opts.Forwards and opts.Settings, and waits
// until it answers (version.bind CH TXT).
func StartRecursor(t testing.TB, opts RecursorOptions) *Server {
	t.Helper()
	return launch(t, "pdns-recursor", "pdns_recursor", opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		ip := opts.IP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conf, err := recursorConf(dir, ip, port, opts)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "recursor.conf"), []byte(conf), 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"--config-dir=" + dir}, chaosReady, nil
	})
}

func recursorConf(dir, ip string, port int, opts RecursorOptions) (string, error) {
	set := []string{"local-address=" + ip, "local-port=" + strconv.Itoa(port), "socket-dir=" + dir}
	set = append(set, RecursorDefaults...)
	var fw []string
	for _, u := range opts.Forwards {
		var addrs []string
		for _, a := range u.Addrs {
			if _, err := netip.ParseAddrPort(a); err != nil {
				if _, err := netip.ParseAddr(a); err != nil {
					return "", fmt.Errorf("recursor forward address %q: want ip or ip:port", a)
				}
			}
			addrs = append(addrs, a)
		}
		fw = append(fw, dns.Fqdn(u.Name)+"="+strings.Join(addrs, ";"))
	}
	if len(fw) > 0 {
		set = append(set, "forward-zones="+strings.Join(fw, ","))
	}
	for _, s := range opts.Settings {
		name, _, ok := strings.Cut(s, "=")
		if !ok {
			return "", fmt.Errorf("recursor setting %q: want name=value", s)
		}
		set = dropSetting(set, name)
		set = append(set, s)
	}
	return strings.Join(set, "\n") + "\n", nil
}

// dropSetting drops the "name=..." entries of set.
func dropSetting(set []string, name string) []string {
	out := set[:0]
	for _, s := range set {
		if n, _, _ := strings.Cut(s, "="); n != name {
			out = append(out, s)
		}
	}
	return out
}

// chaosReady succeeds when the server answers version.bind CH TXT over UDP, whatever the
// rcode: a resolver without root hints cannot answer an IN query on its own.
func chaosReady(addr string) error {
	m := new(dns.Msg)
	m.SetQuestion("version.bind.", dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return err
	}
	if r == nil {
		return errors.New("no reply")
	}
	return nil
}

// RecControl runs `rec_control --socket-dir=DIR args...` against a recursor started by
// StartRecursor and returns its output.
func RecControl(s *Server, args ...string) (string, error) {
	bin := findBinary("rec_control")
	if bin == "" {
		return "", errors.New("rec_control not found in PATH or /usr/sbin")
	}
	cmd := exec.Command(bin, append([]string{"--socket-dir=" + s.Dir, "--timeout=5"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("rec_control %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
