package dnsserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// StartKnot starts Knot DNS (`knotd -c knot.conf`) as primary for opts.Zones and waits until it
// serves every zone over UDP and TCP. The zone file is never rewritten (zonefile-sync: -1);
// updates live in the journal, which survives Stop/Start. Semantic checks are off.
func StartKnot(t testing.TB, opts Options) *Server {
	t.Helper()
	return launch(t, "knot", "knotd", opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		if err := writeZones(dir, opts.Zones); err != nil {
			return nil, nil, err
		}
		ip := opts.IP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conf := filepath.Join(dir, "knot.conf")
		if err := os.WriteFile(conf, []byte(knotConf(dir, ip, port, opts)), 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"-c", conf}, zonesReady(opts.Zones), nil
	})
}

func knotConf(dir, ip string, port int, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
    rundir: %q
    listen: %s@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

log:
  - target: stderr
    any: info

database:
    storage: %q

control:
    listen: %q

`, dir, ip, port, dir, filepath.Join(dir, "knot.sock"))
	acl := ""
	if opts.Key != nil {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n\n", dns.Fqdn(opts.Key.Name), algName(opts.Key.Alg), opts.Key.Secret)
		fmt.Fprintf(&b, "acl:\n  - id: tsig\n    key: %s\n    action: [update, transfer]\n\n", dns.Fqdn(opts.Key.Name))
	} else {
		fmt.Fprintf(&b, "acl:\n  - id: tsig\n    address: 127.0.0.0/8\n    action: [update, transfer]\n\n")
	}
	acl = "tsig"
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    semantic-checks: off
    acl: %s

zone:
`, dir, acl)
	for _, z := range opts.Zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", dns.Fqdn(z.Origin), zoneFileName(z.Origin))
	}
	return b.String()
}
