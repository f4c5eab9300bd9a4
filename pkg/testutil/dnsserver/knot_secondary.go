package dnsserver

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// StartKnotSecondary starts Knot DNS (`knotd -c knot.conf`) as a secondary of opts.Primary
// for opts.Zones and waits until it serves every zone. The zone file is written after every
// transfer (zonefile-sync: 0), so a restarted Knot serves the last transferred version even
// when its primary is gone.
func StartKnotSecondary(t testing.TB, opts SecondaryOptions) *Secondary {
	t.Helper()
	return startSecondary(t, "knot", "knotd", "knot.conf", opts,
		func(conf string) []string { return []string{"-c", conf} }, knotSecondaryConf)
}

func knotSecondaryConf(dir string, o SecondaryOptions) string {
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

`, dir, o.IP, o.Port, dir, filepath.Join(dir, "knot.sock"))
	ip, port := primaryHostPort(o.Primary)
	keyLine := ""
	if o.Key != nil {
		fmt.Fprintf(&b, "key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n\n", dns.Fqdn(o.Key.Name), algName(o.Key.Alg), o.Key.Secret)
		keyLine = "\n    key: " + dns.Fqdn(o.Key.Name)
	}
	fmt.Fprintf(&b, "remote:\n  - id: primary\n    address: %s@%d%s\n\n", ip, port, keyLine)
	fmt.Fprintf(&b, "acl:\n  - id: notify\n    address: %s%s\n    action: notify\n  - id: transfer\n    address: 127.0.0.0/8%s\n    action: transfer\n\n", ip, keyLine, keyLine)
	fmt.Fprintf(&b, `template:
  - id: default
    storage: %q
    zonefile-sync: 0
    journal-content: changes
    semantic-checks: off
    master: primary
    acl: [notify, transfer]

zone:
`, dir)
	for _, z := range o.Zones {
		fmt.Fprintf(&b, "  - domain: %q\n    file: %q\n", dns.Fqdn(z), zoneFileName(z))
	}
	return b.String()
}
