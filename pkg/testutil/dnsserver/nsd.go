package dnsserver

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// StartNSD starts NSD (`nsd -d -c nsd.conf`) as a secondary of opts.Primary for opts.Zones
// and waits until it serves every zone (its first transfer done). Transferred zones are kept
// in nsd.db in Server.Dir, so a restarted NSD serves them even when its primary is gone;
// nsd-control is off. NSD never accepts updates (NOTIMP): it is fed by zone transfer only.
func StartNSD(t testing.TB, opts SecondaryOptions) *Secondary {
	t.Helper()
	return startSecondary(t, "nsd", "nsd", "nsd.conf", opts,
		func(conf string) []string { return []string{"-d", "-c", conf} }, nsdConf)
}

func nsdConf(dir string, o SecondaryOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, `server:
	ip-address: %s@%d
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: %q
	database: %q
	zonelistfile: %q
	xfrdfile: %q
	xfrdir: %q
	pidfile: %q
	server-count: 1
	verbosity: 2
	hide-version: yes
	refuse-any: no

remote-control:
	control-enable: no

`, o.IP, o.Port, dir, filepath.Join(dir, "nsd.db"), filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"),
		dir, filepath.Join(dir, "nsd.pid"))
	key := "NOKEY"
	if o.Key != nil {
		key = dns.Fqdn(o.Key.Name)
		fmt.Fprintf(&b, "key:\n\tname: %q\n\talgorithm: %s\n\tsecret: %q\n\n", key, algName(o.Key.Alg), o.Key.Secret)
	}
	ip, port := primaryHostPort(o.Primary)
	for _, z := range o.Zones {
		fmt.Fprintf(&b, "zone:\n\tname: %q\n\tzonefile: %q\n\trequest-xfr: %s@%d %s\n\tallow-notify: %s %s\n\tprovide-xfr: 127.0.0.0/8 %s\n\n",
			dns.Fqdn(z), zoneFileName(z), ip, port, key, ip, key, key)
	}
	return b.String()
}
