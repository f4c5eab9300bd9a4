package main

import (
	"crypto/sha256"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const goodZone = `$ORIGIN example.com.
$TTL 300
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1.example.net.
@ IN A 192.0.2.1
www IN CNAME @
`

// goodConfig has an rfc2136 primary (its server is a listener that counts connections) and a
// zonefile secondary (its file must stay byte for byte as it was).
const goodConfig = `providers:
  lab:  {type: rfc2136, server: "SERVER", key_name: twinzone., key_alg: hmac-sha256, key: "${TZ_BAD_KEY}"}
  file: {type: zonefile, path: served.zone}
zones:
  - name: example.com.
    file: example.com.zone
    primary:   {provider: lab,  nameservers: ["ns1.lab.example.=127.0.0.1:5301"]}
    secondary: {provider: file, nameservers: ["ns1.file.example.=127.0.0.1:5302"]}
`

const servedZone = "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\nold 300 IN A 192.0.2.7\n"

// TestMalformedInputsWriteNothing is issue 2's table of malformed zone files and configs: each
// fails validate, plan and sync with exit status 1 and an error naming the file, line and
// problem, and no provider is contacted or written.
func TestMalformedInputsWriteNothing(t *testing.T) {
	cases := []struct {
		name   string
		zone   string // replaces goodZone when set
		config string // replaces goodConfig when set (SERVER is substituted)
		want   []string
	}{
		// Zone files.
		{name: "syntax error", zone: goodZone + "bad IN A not-an-ip\n", want: []string{"example.com.zone:7"}},
		{name: "unknown type", zone: goodZone + "x IN BOGUS 1\n", want: []string{"example.com.zone:7"}},
		{name: "out of zone owner", zone: goodZone + "host.example.org. IN A 192.0.2.9\n", want: []string{"example.com.zone:7", "zone"}},
		{name: "CNAME beside other data", zone: goodZone + "www IN A 192.0.2.3\n", want: []string{"example.com.zone:", "CNAME"}},
		{name: "CNAME at apex", zone: goodZone + "@ IN CNAME other.example.net.\n", want: []string{"example.com.zone:7", "CNAME"}},
		{name: "two CNAMEs", zone: goodZone + "www IN CNAME other.example.net.\n", want: []string{"example.com.zone:", "CNAME"}},
		{name: "different TTLs in one RRset", zone: goodZone + "multi 300 IN A 192.0.2.1\nmulti 600 IN A 192.0.2.2\n", want: []string{"example.com.zone:8", "TTL"}},
		{name: "TTL out of range", zone: goodZone + "big 2147483648 IN A 192.0.2.1\n", want: []string{"example.com.zone:7", "TTL"}},
		{name: "class other than IN", zone: goodZone + "ch CH TXT \"x\"\n", want: []string{"example.com.zone:7", "class"}},
		{name: "empty zone", zone: "; nothing here\n", want: []string{"example.com.zone", "empty"}},
		{name: "unbalanced parenthesis", zone: goodZone + "p IN TXT ( \"a\"\n", want: []string{"example.com.zone:"}},
		{name: "unterminated quote", zone: goodZone + "q IN TXT \"open\n", want: []string{"example.com.zone:7"}},
		{name: "include outside the zone folder", zone: goodZone + "$INCLUDE /etc/passwd\n", want: []string{"example.com.zone:7", "INCLUDE"}},
		{name: "include escaping with ..", zone: goodZone + "$INCLUDE ../secret.zone\n", want: []string{"example.com.zone:7", "INCLUDE"}},
		{name: "bad MX preference", zone: goodZone + "@ IN MX x mail\n", want: []string{"example.com.zone:7"}},
		{name: "record below a DNAME", zone: goodZone + "sub IN DNAME example.net.\nhost.sub IN TXT \"hidden\"\n", want: []string{"example.com.zone:8", "DNAME"}},
		{name: "TXT string over 255 bytes", zone: goodZone + "t IN TXT \"" + strings.Repeat("x", 300) + "\"\n", want: []string{"example.com.zone:7", "255"}},
		// Configs.
		{name: "unknown top-level key", config: "providerz: {}\n" + goodConfig, want: []string{"twinzone.yaml:1", "providerz"}},
		{name: "unknown zone key", config: strings.Replace(goodConfig, "    file: example.com.zone\n", "    file: example.com.zone\n    mdoe: switch\n", 1), want: []string{"twinzone.yaml:7", "mdoe"}},
		{name: "unknown provider type", config: strings.Replace(goodConfig, "type: zonefile", "type: zonefil", 1), want: []string{"twinzone.yaml:3", "zonefil"}},
		{name: "undefined provider reference", config: strings.Replace(goodConfig, "provider: file,", "provider: nope,", 1), want: []string{"twinzone.yaml:8", "nope"}},
		{name: "same provider twice", config: strings.Replace(goodConfig, "provider: file,", "provider: lab,", 1), want: []string{"twinzone.yaml:8", "lab"}},
		{name: "duplicate zone", config: goodConfig + "  - name: example.com.\n    file: example.com.zone\n    primary: {provider: lab}\n    secondary: {provider: file}\n", want: []string{"twinzone.yaml:9", "example.com.", "twice"}},
		{name: "bad duration", config: strings.Replace(goodConfig, "    file: example.com.zone\n", "    file: example.com.zone\n    probe: {interval: 10 parsecs}\n", 1), want: []string{"twinzone.yaml:7", "interval"}},
		{name: "missing zone file", config: strings.Replace(goodConfig, "file: example.com.zone", "file: missing.zone", 1), want: []string{"twinzone.yaml:6", "missing.zone"}},
		{name: "missing env var", config: strings.Replace(goodConfig, "${TZ_BAD_KEY}", "${TZ_NOT_SET_ANYWHERE}", 1), want: []string{"twinzone.yaml:2", "TZ_NOT_SET_ANYWHERE"}},
		{name: "secret in clear text", config: strings.Replace(goodConfig, `"${TZ_BAD_KEY}"`, "c2VjcmV0", 1), want: []string{"twinzone.yaml:2", "key"}},
		{name: "bad nameserver address", config: strings.Replace(goodConfig, "127.0.0.1:5302", "999.0.0.1", 1), want: []string{"twinzone.yaml:8", "999.0.0.1"}},
		{name: "bad mode", config: strings.Replace(goodConfig, "    file: example.com.zone\n", "    file: example.com.zone\n    mode: sideways\n", 1), want: []string{"twinzone.yaml:7", "sideways"}},
		{name: "YAML syntax", config: goodConfig + "  - name: [unclosed\n", want: []string{"twinzone.yaml:", "invalid YAML"}},
	}
	if len(cases) < 25 {
		t.Fatalf("only %d cases", len(cases))
	}
	server, contacted := countingServer(t)
	t.Setenv("TZ_BAD_KEY", "c2VjcmV0LWtleS1uZXZlci1wcmludGVk")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			z, c := goodZone, goodConfig
			if tc.zone != "" {
				z = tc.zone
			}
			if tc.config != "" {
				c = tc.config
			}
			writeFiles(t, dir, map[string]string{
				"twinzone.yaml":    strings.ReplaceAll(c, "SERVER", server),
				"example.com.zone": z,
				"served.zone":      servedZone,
			})
			conf := filepath.Join(dir, "twinzone.yaml")
			before := contacted.Load()
			for _, cmd := range [][]string{{"validate"}, {"plan"}, {"sync", "--force"}} {
				code, out, stderr := runCLI(t, append(cmd, "--config", conf)...)
				if code != exitError {
					t.Fatalf("%s: exit %d, want 1\n%s%s", cmd[0], code, out, stderr)
				}
				mustContain(t, cmd[0]+" stderr", stderr, tc.want...)
				if strings.Contains(out+stderr, "c2VjcmV0LWtleS1uZXZlci1wcmludGVk") {
					t.Fatalf("%s printed the TSIG secret", cmd[0])
				}
			}
			if n := contacted.Load() - before; n != 0 {
				t.Errorf("the rfc2136 provider was contacted %d times", n)
			}
			got, err := os.ReadFile(filepath.Join(dir, "served.zone"))
			if err != nil || sha256.Sum256(got) != sha256.Sum256([]byte(servedZone)) {
				t.Errorf("the zonefile provider's file changed (err %v):\n%s", err, got)
			}
			if _, err := os.Stat(filepath.Join(dir, ".twinzone", "journal.jsonl")); err == nil {
				t.Errorf("a journal was written")
			}
		})
	}
}

// countingServer listens on loopback TCP and UDP and counts every connection or datagram.
func countingServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); pc.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return ln.Addr().String(), &n
}
