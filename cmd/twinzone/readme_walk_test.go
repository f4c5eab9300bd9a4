package main

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// readmeBootstrap returns the commands of the README's bootstrap block (the one after "To
// bring a zone you already serve"), comments removed, one per line.
func readmeBootstrap(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "To bring a zone you already serve")
	if !ok {
		t.Fatal("README: the bootstrap section is gone")
	}
	_, rest, _ = strings.Cut(rest, "```sh\n")
	block, _, _ := strings.Cut(rest, "```")
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// TestReadmeBootstrapWalk types the README's bootstrap commands, exactly, into a real shell
// against real servers: a zone served by BIND, an empty Knot secondary, a Knot parent for com.
// that delegates to BIND only. At the end both providers serve the zone, the parent delegates
// to both, and the controller runs.
func TestReadmeBootstrapWalk(t *testing.T) {
	tmux := needBinary(t, "tmux")
	needBinary(t, "bash")
	cmds := readmeBootstrap(t)
	key := dnsserver.TestKey
	parent := dnsserver.StartKnot(t, dnsserver.Options{IP: "127.0.1.10", Key: &key, Zones: []dnsserver.Zone{{Origin: "com.", Text: `$ORIGIN com.
@ 60 IN SOA ns.com. hostmaster.com. 1 7200 3600 1209600 60
@ 60 IN NS ns.com.
ns 60 IN A 127.0.0.1
example 60 IN NS ns1.bind.test.
`}}})
	bind := dnsserver.StartBIND(t, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{{Origin: "example.com.", Text: `$ORIGIN example.com.
$TTL 300
@ IN SOA ns1.bind.test. hostmaster.example.com. 2026120201 7200 3600 1209600 300
@ IN NS ns1.bind.test.
@ IN A 192.0.2.10
www IN A 192.0.2.80
@ IN MX 10 mail.example.net.
@ IN TXT "v=spf1 mx -all"
_acme-challenge 60 IN TXT "certbot-token"
`}}})
	knot := dnsserver.StartKnot(t, dnsserver.Options{IP: "127.0.1.11", Key: &key, Zones: []dnsserver.Zone{{Origin: "example.com.", Text: `$ORIGIN example.com.
@ 300 IN SOA ns1.knot.test. hostmaster.example.com. 1 7200 3600 1209600 300
@ 300 IN NS ns1.knot.test.
`}}})
	port, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	t.Setenv("TZ_WALK_TSIG", key.Secret) // for the in-process plan at the end
	lab := &recorderLab{tb: t, dir: t.TempDir(), bin: buildTwinzone(t)}
	cfg := fmt.Sprintf(`# README walk: step 1 is this file.
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_WALK_TSIG}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_WALK_TSIG}"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: com., key_name: %[4]s, key_alg: hmac-sha256, key: "${TZ_WALK_TSIG}"}
controller: {listen: "%[5]s"}
zones:
  - name: example.com.
    file: zones/example.com.zone
    primary:   {provider: bind, nameservers: ["ns1.bind.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns1.knot.test.=%[2]s"]}
    registrar: parent
    mode: active-active
    ignore: [{name: "_acme-challenge.*", type: TXT}]
    probe: {interval: 2s, timeout: 1s}
    failover: {propagation_timeout: 10s}
`, bind.Addr, knot.Addr, parent.Addr, key.Name, listen)
	writeFiles(t, lab.dir, map[string]string{"twinzone.yaml": cfg})
	env := []string{"PATH=" + lab.bin + ":" + os.Getenv("PATH"), "HOME=" + lab.dir, "TERM=xterm", "PS1=$ ", "HISTFILE=",
		"TWINZONE_CONFIG=" + filepath.Join(lab.dir, "twinzone.yaml"), "TZ_WALK_TSIG=" + key.Secret, "LANG=C.UTF-8"}
	s := startTmuxShell(t, tmux, env, "bash", "--norc", "--noprofile", "-i")
	s.typeText("cd "+lab.dir+"; echo RE\"\"ADY", "Enter")
	if screen, missing := s.waitFor("\nREADY"); missing != "" {
		t.Fatalf("setup: %q never appeared:\n%s", missing, screen)
	}
	history := ""
	for i, cmd := range cmds {
		s.run("clear-history")
		s.typeText("clear", "Enter")
		last := strings.Contains(cmd, "twinzone run")
		switch {
		case strings.HasPrefix(cmd, "twinzone failback"):
			s.typeText(cmd, "Enter")
			if screen, missing := s.waitFor("type yes"); missing != "" {
				t.Fatalf("%s: no confirmation asked:\n%s", cmd, screen)
			}
			s.typeText("yes", "Enter")
		default:
			s.typeText(cmd, "Enter")
		}
		if last {
			waitHealthyURL(t, listen, s)
			s.typeText("", "C-c")
			s.settle()
			break
		}
		marker := fmt.Sprintf("STEP%d RC=", i)
		s.typeText(fmt.Sprintf(`echo "STEP%d RC=$?"`, i), "Enter")
		screen, missing := s.waitFor("\n" + marker)
		if missing != "" {
			t.Fatalf("%s: never finished:\n%s", cmd, screen)
		}
		history += screen
		if !strings.Contains(screen, "\n"+marker+"0") {
			t.Fatalf("README command %q failed:\n%s", cmd, screen)
		}
		if strings.HasPrefix(cmd, "twinzone status") && !strings.Contains(screen, "knot never delegated") {
			t.Fatalf("status before the first delegation:\n%s", screen)
		}
	}
	r := &delegation.Reader{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := r.Delegation(ctx, []netip.AddrPort{parent.AddrPort()}, "example.com.")
	if err != nil || !slices.Equal(d.NS, []string{"ns1.bind.test.", "ns1.knot.test."}) {
		t.Fatalf("after the README's commands the parent delegates to %v (%v)", d.NS, err)
	}
	if code, out, stderr := runCLI(t, "plan", "--config", filepath.Join(lab.dir, "twinzone.yaml"), "--exit-code"); code != 0 {
		t.Fatalf("plan after the walk: exit %d (want both providers in sync)\n%s%s", code, out, stderr)
	}
}

// waitHealthyURL waits until `twinzone run` in the shell answers /healthz with 200.
func waitHealthyURL(t *testing.T, listen string, s *tmuxShell) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond) // polling interval, not synchronisation
	}
	screen, _ := s.waitFor()
	t.Fatalf("twinzone run never became healthy on %s:\n%s", listen, screen)
}
