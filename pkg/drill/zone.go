package drill

import (
	"fmt"

	"github.com/twinzone/twinzone/pkg/testutil/lab"
)

// Names of the drill's world (the lab's).
const (
	Zone       = lab.Zone
	ParentZone = lab.ParentZone
	PrimaryNS  = lab.PrimaryNS
	SecondNS   = lab.SecondaryNS
)

// zoneFile is the desired zone twinzone syncs to both providers. Its records live for
// RecordTTL, less than the delegation (as in the field: 300 s against 172800 s), so that
// resolvers ask the servers of the delegation they have cached during the outage.
const zoneFile = `$ORIGIN example.test.
$TTL 1
@ 60 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 60
@ IN NS ns1.example.test.
@ IN NS ns2.example.test.
ns1 IN A 127.0.0.1
ns2 IN A 127.0.0.13
@ IN A 192.0.2.10
www IN A 192.0.2.80
mail IN A 192.0.2.25
api IN A 192.0.2.81
shop IN A 192.0.2.82
blog IN A 192.0.2.83
vpn IN A 192.0.2.84
cdn IN A 192.0.2.85
@ IN MX 10 mail.example.test.
lists IN MX 20 mail.example.test.
@ IN TXT "v=spf1 mx -all"
`

// queries is the load loop's fixed set of names: 8 A and 2 MX.
var queries = []query{
	{Zone, "A"}, {"www." + Zone, "A"}, {"mail." + Zone, "A"}, {"api." + Zone, "A"}, {"shop." + Zone, "A"},
	{"blog." + Zone, "A"}, {"vpn." + Zone, "A"}, {"cdn." + Zone, "A"}, {Zone, "MX"}, {"lists." + Zone, "MX"},
}

// configText is the drill's twinzone.yaml; the TSIG secret comes from ${TZ_DRILL_TSIG}.
func configText(o Options, keyName string) string {
	return fmt.Sprintf(`state_dir: state
providers:
  bind: {type: rfc2136, server: "%[1]s:53", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_DRILL_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s:53", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_DRILL_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s:53", zone: test., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_DRILL_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: %[5]s
    probe: {interval: %[6]s, timeout: %[7]s, fail_after: %[8]d, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: true, cooldown: 0s, max_per_day: 10, failback: manual, require_in_sync: true, propagation_timeout: 10s}
`, PrimaryIP, SecondaryIP, ParentIP, keyName, o.Mode, o.Interval, o.Timeout, o.FailAfter)
}
