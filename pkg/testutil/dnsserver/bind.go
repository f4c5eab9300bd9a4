package dnsserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// StartBIND starts BIND named (`named -g -n 1 -c named.conf`) as primary for opts.Zones and waits
// until it serves every zone over UDP and TCP. Updates go to a journal in Server.Dir; read the
// zone by AXFR. Integrity and name checks, and the per-RRset and per-name record limits
// (max-records-per-type, default 100 since 9.18.28), are off so tests may push any data.
func StartBIND(t testing.TB, opts Options) *Server {
	t.Helper()
	return launch(t, "bind", "named", opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		if err := writeZones(dir, opts.Zones); err != nil {
			return nil, nil, err
		}
		ip := opts.IP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conf := filepath.Join(dir, "named.conf")
		if err := os.WriteFile(conf, []byte(bindConf(dir, ip, port, opts)), 0o644); err != nil {
			return nil, nil, err
		}
		return []string{"-g", "-n", "1", "-c", conf}, zonesReady(opts.Zones), nil
	})
}

func bindConf(dir, ip string, port int, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, `options {
	directory %q;
	pid-file %q;
	session-keyfile %q;
	managed-keys-directory %q;
	listen-on port %d { %s; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	check-integrity no;
	check-names primary ignore;
	check-names secondary ignore;
	check-names response ignore;
	check-mx ignore;
	check-mx-cname ignore;
	check-srv-cname ignore;
	check-wildcard no;
	check-sibling no;
	check-dup-records ignore;
	minimal-responses no;
	max-journal-size unlimited;
	max-records-per-type %d;
	max-types-per-name 0;
};
controls { };
logging { channel out { stderr; severity info; print-time yes; }; category default { out; }; };
`, dir, filepath.Join(dir, "named.pid"), filepath.Join(dir, "session.key"), dir, port, ip, opts.MaxRecordsPerType)
	allow := "any;"
	if opts.Key != nil {
		fmt.Fprintf(&b, "key %q { algorithm %s; secret %q; };\n", strings.TrimSuffix(dns.Fqdn(opts.Key.Name), "."), algName(opts.Key.Alg), opts.Key.Secret)
		allow = fmt.Sprintf("key %q;", strings.TrimSuffix(dns.Fqdn(opts.Key.Name), "."))
	}
	notify := bindNotify(opts)
	for _, z := range opts.Zones {
		fmt.Fprintf(&b, "zone %q { type primary; file %q; allow-update { %s }; allow-transfer { %s }; allow-query { any; };%s };\n",
			dns.Fqdn(z.Origin), zoneFileName(z.Origin), allow, allow, notify)
	}
	return b.String()
}
