package demo

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/demo/authserver"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers"
)

// Names of the demo's world.
const (
	Zone       = "example.test."
	ParentZone = "test."
	PrimaryNS  = "ns1.example.test."
	SecondNS   = "ns2.example.test."
	Primary    = "alpha" // provider names in the generated config
	Secondary  = "beta"
	keyName    = "twinzone-demo."
	keyEnv     = "TWINZONE_DEMO_TSIG"
)

// zoneFile is the desired zone: small but realistic (web, mail with SPF/DKIM/DMARC, a
// service record, CAA). Its SOA and apex NS stay the servers' own except the apex NS, which
// the config manages (manage_apex_ns) so both providers list both nameservers.
const zoneFile = `; example.test: the demo zone (RFC 1035 master file)
$ORIGIN example.test.
$TTL 300
@        IN SOA  ns1.example.test. hostmaster.example.test. 2026112201 3600 600 1209600 60
@        IN NS   ns1.example.test.
@        IN NS   ns2.example.test.
ns1      IN A    127.0.0.1
ns2      IN A    127.0.0.1
@        IN A    192.0.2.10
@        IN AAAA 2001:db8::10
www      IN A    192.0.2.10
www      IN AAAA 2001:db8::10
mail     IN A    192.0.2.25
api      IN CNAME www.example.test.
@        IN MX   10 mail.example.test.
@        IN MX   20 mx2.mail-backup.test.
@        IN TXT  "v=spf1 mx ip4:192.0.2.0/24 -all"
@        IN TXT  "google-site-verification=4f9c2a7e1b"
_dmarc   IN TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
sel1._domainkey IN TXT ( "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu7Qm5cX0"
                         "yJ0aLcl2Jq9xvP3Gk8Xz1a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3IDAQAB" )
_sip._tcp IN SRV 10 60 5060 sip.example.test.
sip      IN A    192.0.2.50
@        IN CAA  0 issue "letsencrypt.org"
`

// lab is the demo's world: three in-process servers and a temporary twinzone.yaml.
type lab struct {
	dir                        string
	secret                     string
	parent, primary, secondary *authserver.Server
	cfg                        *config.Config
	zc                         *config.Zone
	desired                    *zone.Zone
}

// startLab starts the servers, writes the config and the zone file, and loads them with the
// real config loader. On error everything started is closed again.
func startLab(mode string) (l *lab, err error) {
	l = &lab{}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	l.secret = base64.StdEncoding.EncodeToString(key)
	keys := map[string]string{keyName: l.secret}
	for _, s := range []struct {
		dst  **authserver.Server
		name string
	}{{&l.parent, "parent"}, {&l.primary, "primary"}, {&l.secondary, "secondary"}} {
		if *s.dst, err = authserver.New(authserver.Config{Name: s.name, Keys: keys}); err != nil {
			return nil, err
		}
	}
	// The parent delegates example.test. to the primary only; each provider starts with
	// nothing but its SOA and its own NS.
	if err := l.parent.AddZone(ParentZone, `$TTL 300
@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60
@ NS ns.test.
ns A 127.0.0.1
example NS `+PrimaryNS+`
ns1.example A 127.0.0.1
`); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		srv *authserver.Server
		ns  string
	}{{l.primary, PrimaryNS}, {l.secondary, SecondNS}} {
		if err := s.srv.AddZone(Zone, fmt.Sprintf("$TTL 300\n@ SOA %s hostmaster.example.test. 1 3600 600 86400 60\n@ NS %s\n", s.ns, s.ns)); err != nil {
			return nil, err
		}
	}
	if l.dir, err = os.MkdirTemp("", "twinzone-demo-"); err != nil {
		return nil, err
	}
	zpath := filepath.Join(l.dir, "example.test.zone")
	cpath := filepath.Join(l.dir, "twinzone.yaml")
	if err := os.WriteFile(zpath, []byte(zoneFile), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(cpath, []byte(l.configText(mode)), 0o600); err != nil {
		return nil, err
	}
	// The key reaches the config through ${TWINZONE_DEMO_TSIG}, as a real one would; it is
	// looked up here rather than set in the process environment.
	lookup := func(name string) (string, bool) {
		if name == keyEnv {
			return l.secret, true
		}
		return os.LookupEnv(name)
	}
	if l.cfg, err = config.LoadWith(cpath, providers.Types(), lookup); err != nil {
		return nil, fmt.Errorf("load the generated config: %w", err)
	}
	zc, ok := l.cfg.Zone(Zone)
	if !ok {
		return nil, fmt.Errorf("generated config has no zone %q", Zone)
	}
	l.zc = zc
	if l.desired, err = zone.ParseFile(zc.File, zc.Name); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *lab) configText(mode string) string {
	return strings.NewReplacer(
		"$PARENT", l.parent.Addr().String(),
		"$PRIMARY", l.primary.Addr().String(),
		"$SECONDARY", l.secondary.Addr().String(),
		"$MODE", mode, "$DIR", l.dir, "$KEYNAME", keyName, "$KEYENV", keyEnv,
	).Replace(`# Written by twinzone demo: two rfc2136 providers and an rfc2136 "registrar" (the parent
# zone test.), all in-process on 127.0.0.1. The TSIG key comes from the environment ($KEYENV).
state_dir: $DIR/state
providers:
  ` + Primary + `:
    type: rfc2136
    server: "$PRIMARY"
    key_name: $KEYNAME
    key_alg: hmac-sha256
    key: "${$KEYENV}"
  ` + Secondary + `:
    type: rfc2136
    server: "$SECONDARY"
    key_name: $KEYNAME
    key_alg: hmac-sha256
    key: "${$KEYENV}"
    chunk: 5
registrars:
  parent:
    type: rfc2136
    server: "$PARENT"
    zone: ` + ParentZone + `
    key_name: $KEYNAME
    key_alg: hmac-sha256
    key: "${$KEYENV}"
zones:
  - name: ` + Zone + `
    file: example.test.zone
    primary:   {provider: ` + Primary + `, nameservers: ["` + PrimaryNS + `=$PRIMARY"]}
    secondary: {provider: ` + Secondary + `, nameservers: ["` + SecondNS + `=$SECONDARY"]}
    registrar: parent
    mode: $MODE
    manage_apex_ns: true
    probe: {interval: 300ms, timeout: 250ms, fail_after: 3, recover_after: 3, quorum: all, tcp_every: 4}
    failover: {auto: true, cooldown: 0s, max_per_day: 0, failback: manual, require_in_sync: true, propagation_timeout: 15s}
`)
}

// nsPorts maps each nameserver name of the config to its port, for the iterative resolver.
func (l *lab) nsPorts() map[string]uint16 {
	out := map[string]uint16{}
	for _, ref := range []config.ProviderRef{l.zc.Primary, l.zc.Secondary} {
		for _, ns := range ref.Nameservers {
			if len(ns.Addrs) > 0 {
				out[ns.Name] = ns.Addrs[0].Port()
			}
		}
	}
	return out
}

// close stops the servers and removes the temporary directory.
func (l *lab) close() {
	for _, s := range []*authserver.Server{l.parent, l.primary, l.secondary} {
		if s != nil {
			_ = s.Close()
		}
	}
	if l.dir != "" {
		_ = os.RemoveAll(l.dir)
	}
}
