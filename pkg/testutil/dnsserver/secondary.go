package dnsserver

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// SecondaryOptions configure a secondary server (StartNSD, StartKnotSecondary): it transfers
// Zones from Primary, accepts NOTIFY from it, and allows AXFR to loopback clients.
type SecondaryOptions struct {
	Zones   []string // origins
	Primary string   // "ip:port" of the primary to transfer from
	// Key, when set, signs the transfers from the primary and is required of NOTIFY and of
	// AXFR clients; nil: unsigned, from loopback.
	Key  *TSIG
	IP   string // default 127.0.0.1
	Port int    // 0 picks a free one
}

// Secondary is a running secondary server whose primary can be changed.
type Secondary struct {
	*Server
	opts  SecondaryOptions
	conf  string
	write func(dir string, o SecondaryOptions) string
}

// Repoint stops the server, points it at primary and starts it again; it keeps the zones it
// has transferred and serves them while primary does not answer (a broken feed).
func (s *Secondary) Repoint(primary string) {
	s.t.Helper()
	s.Stop()
	s.opts.Primary = primary
	if err := os.WriteFile(s.conf, []byte(s.write(s.Dir, s.opts)), 0o644); err != nil {
		s.t.Fatalf("%s: %v", s.Kind, err)
	}
	s.Start()
}

// startSecondary launches a secondary whose config file name is file, written by conf.
func startSecondary(t testing.TB, kind, bin, file string, opts SecondaryOptions, args func(conf string) []string, conf func(dir string, o SecondaryOptions) string) *Secondary {
	t.Helper()
	zones := make([]Zone, len(opts.Zones))
	for i, z := range opts.Zones {
		zones[i] = Zone{Origin: z}
	}
	sec := &Secondary{write: conf}
	sec.Server = launch(t, kind, bin, opts.IP, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		o := opts
		if o.IP == "" {
			o.IP = "127.0.0.1"
		}
		o.Port = port
		sec.opts = o
		sec.conf = filepath.Join(dir, file)
		if err := os.WriteFile(sec.conf, []byte(conf(dir, o)), 0o644); err != nil {
			return nil, nil, err
		}
		return args(sec.conf), zonesReady(zones), nil
	})
	return sec
}

// primaryHostPort splits "ip:port" for server configs.
func primaryHostPort(addr string) (string, int) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr, 53
	}
	return ap.Addr().String(), int(ap.Port())
}

// bindNotify is the NOTIFY clause of BIND's zone statements for opts.Notify.
func bindNotify(opts Options) string {
	if len(opts.Notify) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" notify explicit; notify-delay 0; also-notify {")
	for _, a := range opts.Notify {
		ip, port := primaryHostPort(a)
		fmt.Fprintf(&b, " %s port %d", ip, port)
		if opts.Key != nil {
			fmt.Fprintf(&b, " key %q", strings.TrimSuffix(dns.Fqdn(opts.Key.Name), "."))
		}
		b.WriteString(";")
	}
	b.WriteString(" };")
	return b.String()
}
