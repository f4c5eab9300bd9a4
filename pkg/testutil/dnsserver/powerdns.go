package dnsserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// PowerDNS is a running PowerDNS Authoritative server: DNS on Addr, its HTTP API on APIURL.
type PowerDNS struct {
	*Server
	APIURL string // "http://127.0.0.1:port" (the API is under /api/v1)
	APIKey string // the X-API-Key the server accepts
}

// PowerDNSSchema is the sqlite3 schema the Debian package pdns-backend-sqlite3 ships.
const PowerDNSSchema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"

// StartPowerDNS starts pdns_server with the gsqlite3 backend (a fresh database made from
// PowerDNSSchema with the sqlite3 tool, zones loaded with pdnsutil), the HTTP API on a second
// free loopback port, dynamic updates allowed (from loopback; with opts.Key, signed by it),
// AXFR allowed from loopback, every cache off (a change is visible to the next query), and
// security-poll-suffix empty so that nothing leaves the machine. It waits until every zone is
// served over UDP and TCP and the API answers.
func StartPowerDNS(t testing.TB, opts Options) *PowerDNS {
	t.Helper()
	for _, tool := range []string{"pdnsutil", "sqlite3"} {
		if findBinary(tool) == "" {
			missing(t, "powerdns", tool)
		}
	}
	if _, err := os.Stat(PowerDNSSchema); err != nil {
		missing(t, "powerdns", PowerDNSSchema)
	}
	ip := opts.IP
	if ip == "" {
		ip = "127.0.0.1"
	}
	pd := &PowerDNS{APIKey: "twinzone-test-api-key"}
	pd.Server = launch(t, "powerdns", "pdns_server", ip, opts.Port, func(dir string, port int) ([]string, func(string) error, error) {
		wport, err := FreePort(ip)
		if err != nil {
			return nil, nil, err
		}
		pd.APIURL = "http://" + net.JoinHostPort(ip, strconv.Itoa(wport))
		if err := os.WriteFile(filepath.Join(dir, "pdns.conf"), []byte(pdnsConf(dir, ip, port, wport, pd.APIKey)), 0o644); err != nil {
			return nil, nil, err
		}
		if err := pdnsInit(dir, opts); err != nil {
			return nil, nil, err
		}
		zones := zonesReady(opts.Zones)
		return []string{"--config-dir=" + dir}, func(addr string) error {
			if err := zones(addr); err != nil {
				return err
			}
			return pd.apiReady()
		}, nil
	})
	return pd
}

func missing(t testing.TB, kind, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %s not found", kind, what)
	}
	t.Skipf("%s: %s not found", kind, what)
}

func pdnsConf(dir, ip string, port, wport int, key string) string {
	return fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%s
local-address=%s
local-port=%d
socket-dir=%s
daemon=no
guardian=no
disable-syslog=yes
loglevel=4
security-poll-suffix=
api=yes
api-key=%s
webserver=yes
webserver-address=%s
webserver-port=%d
webserver-allow-from=127.0.0.0/8
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
allow-axfr-ips=127.0.0.0/8
disable-axfr=no
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-cache-refresh-interval=0
distributor-threads=1
receiver-threads=1
`, filepath.Join(dir, "pdns.sqlite3"), ip, port, dir, key, ip, wport)
}

// pdnsInit creates the database (once: a retried launch reuses it) and loads the zones.
func pdnsInit(dir string, opts Options) error {
	db := filepath.Join(dir, "pdns.sqlite3")
	if _, err := os.Stat(db); err == nil {
		return nil
	}
	schema, err := os.ReadFile(PowerDNSSchema)
	if err != nil {
		return err
	}
	if err := run(dir, strings.NewReader(string(schema)), "sqlite3", db); err != nil {
		return err
	}
	if err := writeZones(dir, opts.Zones); err != nil {
		return err
	}
	util := func(args ...string) error {
		return run(dir, nil, "pdnsutil", append([]string{"--config-dir=" + dir}, args...)...)
	}
	if opts.Key != nil {
		if err := util("import-tsig-key", strings.TrimSuffix(opts.Key.Name, "."), algName(opts.Key.Alg), opts.Key.Secret); err != nil {
			return err
		}
	}
	for _, z := range opts.Zones {
		origin := dns.Fqdn(z.Origin)
		if err := util("load-zone", origin, filepath.Join(dir, zoneFileName(z.Origin))); err != nil {
			return err
		}
		// The serial goes up on each API change, as it does for zones made through the API.
		if err := util("set-meta", origin, "SOA-EDIT-API", "DEFAULT"); err != nil {
			return err
		}
		if opts.Key != nil {
			name := strings.TrimSuffix(opts.Key.Name, ".")
			for _, kind := range []string{"TSIG-ALLOW-DNSUPDATE", "TSIG-ALLOW-AXFR"} {
				if err := util("set-meta", origin, kind, name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func run(dir string, stdin io.Reader, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, findBinary(name), args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, tail(string(out), 20))
	}
	return nil
}

func (pd *PowerDNS) apiReady() error {
	req, err := http.NewRequest(http.MethodGet, pd.APIURL+"/api/v1/servers/localhost", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", pd.APIKey)
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("API: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("API: %s", resp.Status)
	}
	return nil
}
