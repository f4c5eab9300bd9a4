package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/testutil/lab"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// Distinctive secret values: none of them may ever show up in anything twinzone writes.
var (
	leakTSIGGood  = base64.StdEncoding.EncodeToString([]byte("tzleak-tsig-good-Q7vX2mK9pL4wZ8"))
	leakTSIGBad   = base64.StdEncoding.EncodeToString([]byte("tzleak-tsig-bad-W9pL4nB3vC6xQ1"))
	leakCFGood    = "tzleakCFgood5Kq8ZpR3wYt6"
	leakCFBad     = "tzleakCFbad7Hn2VxW4sDf9"
	leakAWSID     = "AKIATZLEAKID7Q2W9E4R"
	leakAWSSecret = "tzleakAWSsecret/K9m+Pq8Xw2Tn4Vb6Yc1"
	leakHookTok   = "tzleakHOOKtoken8Jd3Lw"
	leakHookKey   = "tzleakHOOKkey2Mx9Qz"
)

// secretForms returns every secret with the encodings it could leak in: raw, base64, URL
// escaped, and for base64 secrets (TSIG) the decoded bytes.
func secretForms(hookURLs ...string) map[string]string {
	forms := map[string]string{}
	add := func(name, v string) {
		forms[name] = v
		forms[name+" (base64)"] = base64.StdEncoding.EncodeToString([]byte(v))
		forms[name+" (base64url)"] = base64.RawURLEncoding.EncodeToString([]byte(v))
		if e := url.QueryEscape(v); e != v {
			forms[name+" (url-escaped)"] = e
		}
	}
	for name, v := range map[string]string{"tsig": leakTSIGGood, "tsig-bad": leakTSIGBad, "cloudflare": leakCFGood,
		"cloudflare-bad": leakCFBad, "aws-id": leakAWSID, "aws-secret": leakAWSSecret, "hook-token": leakHookTok, "hook-key": leakHookKey} {
		add(name, v)
	}
	for name, v := range map[string]string{"tsig": leakTSIGGood, "tsig-bad": leakTSIGBad} {
		b, _ := base64.StdEncoding.DecodeString(v)
		forms[name+" (decoded)"] = string(b)
	}
	for i, u := range hookURLs {
		add(fmt.Sprintf("webhook-url-%d", i), u)
	}
	return forms
}

// leakCheck collects everything twinzone outputs and greps it for every secret form.
type leakCheck struct {
	t       *testing.T
	forms   map[string]string
	checked int // outputs grepped
}

func (l *leakCheck) check(what, text string) {
	l.t.Helper()
	l.checked++
	for _, name := range l.find(text) {
		v := l.forms[name]
		i := strings.Index(text, v)
		l.t.Errorf("SECRET LEAK: %s shows the %s value: ...%s...", what, name, text[max(0, i-120):min(len(text), i+len(v)+40)])
	}
}

// find returns the names of the secret forms text contains.
func (l *leakCheck) find(text string) []string {
	var found []string
	for name, v := range l.forms {
		if strings.Contains(text, v) {
			found = append(found, name)
		}
	}
	return found
}

// selfTest makes sure the detector sees each kind of leak it claims to look for.
func (l *leakCheck) selfTest() {
	l.t.Helper()
	tsig, _ := base64.StdEncoding.DecodeString(leakTSIGGood)
	for _, leak := range []string{leakTSIGGood, string(tsig), url.QueryEscape(leakAWSSecret),
		base64.StdEncoding.EncodeToString([]byte(leakCFGood)), leakHookTok, leakAWSID} {
		if len(l.find("err: "+leak+"\n")) == 0 {
			l.t.Fatalf("leak detector misses %q", leak)
		}
	}
}

// checkDir greps every file below dir.
func (l *leakCheck) checkDir(dir string) {
	l.t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil {
			l.check("file "+p, string(b))
		}
		return nil
	})
}

// hookServer records webhook bodies and answers status.
type hookServer struct {
	mu     sync.Mutex
	bodies []string
	status int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, string(b))
	st := h.status
	h.mu.Unlock()
	w.WriteHeader(st)
}

// TestSecretsNeverLeak runs every command against configs whose credentials are distinctive
// values, good and wrong (BIND and a Knot parent rejecting a wrong TSIG key, the Cloudflare
// emulator answering 403, a webhook that fails), in text and JSON logs at debug level, and greps
// stdout, stderr, every file of the state directory, webhook bodies and /metrics for them.
func TestSecretsNeverLeak(t *testing.T) {
	key := dnsserver.TSIG{Name: "twinzone-test.", Alg: "hmac-sha256", Secret: leakTSIGGood}
	tl := lab.Start(t, lab.Options{Key: &key})
	parent, bind, knot := tl.Parent, tl.Primary, tl.Secondary

	cf := cfemu.New(cfemu.Options{Token: leakCFGood})
	defer cf.Close()
	cfZone := cf.AddZone("cloud.test")
	r53, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer r53.Close()
	r53Zone, err := r53.AddZone("cloud.test.", false)
	if err != nil {
		t.Fatal(err)
	}

	hook := &hookServer{status: 500} // a failing webhook: its error path must not print the URL
	hs := &http.Server{Handler: hook}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	goodHook := fmt.Sprintf("http://%s/hook/%s?key=%s", ln.Addr(), leakHookTok, leakHookKey)
	deadPort, _ := dnsserver.FreePort("127.0.0.1")
	badHook := fmt.Sprintf("http://127.0.0.1:%d/hook/%s?key=%s", deadPort, leakHookTok, leakHookKey)

	t.Setenv("TZ_LEAK_TSIG", leakTSIGGood)
	t.Setenv("TZ_LEAK_TSIG_BAD", leakTSIGBad)
	t.Setenv("TZ_LEAK_CF", leakCFGood)
	t.Setenv("TZ_LEAK_CF_BAD", leakCFBad)
	t.Setenv("TZ_LEAK_AWS_ID", leakAWSID)
	t.Setenv("TZ_LEAK_AWS_SECRET", leakAWSSecret)
	t.Setenv("TZ_LEAK_HOOK", goodHook)
	t.Setenv("TZ_LEAK_HOOK_BAD", badHook)
	lc := &leakCheck{t: t, forms: secretForms(goodHook, badHook)}
	lc.selfTest()

	dir := t.TempDir()
	metricsPort, _ := dnsserver.FreePort("127.0.0.1")
	listen := fmt.Sprintf("127.0.0.1:%d", metricsPort)
	config := func(tsigVar, cfVar, hookVar string) string {
		return fmt.Sprintf(`state_dir: state
providers:
  bind: {type: rfc2136, server: "%[1]s", key_name: twinzone-test., key_alg: hmac-sha256, key: "${%[4]s}"}
  knot: {type: rfc2136, server: "%[2]s", key_name: twinzone-test., key_alg: hmac-sha256, key: "${%[4]s}"}
  cf: {type: cloudflare, api_token: "${%[5]s}", zone_id: %[7]s, endpoint: "%[8]s"}
  r53: {type: route53, hosted_zone_id: %[9]s, access_key_id: "${TZ_LEAK_AWS_ID}", secret_access_key: "${TZ_LEAK_AWS_SECRET}", endpoint: "%[10]s"}
registrars:
  parent: {type: rfc2136, server: "%[3]s", zone: test., key_name: twinzone-test., key_alg: hmac-sha256, key: "${%[4]s}"}
controller:
  listen: "%[11]s"
  webhook: "${%[6]s}"
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%[1]s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%[2]s"]}
    registrar: parent
    mode: switch
    probe: {interval: 1s, timeout: 500ms, fail_after: 2, recover_after: 1, quorum: all, tcp_every: 0}
    failover: {auto: false, cooldown: 0s, max_per_day: 100, failback: manual, require_in_sync: true, propagation_timeout: 5s}
  - name: cloud.test.
    file: cloud.test.zone
    primary:   {provider: cf, nameservers: ["ada.ns.cloudflare.com.=127.0.0.1:%[12]d"]}
    secondary: {provider: r53, nameservers: ["ns-1.awsdns-01.com.=127.0.0.1:%[12]d"]}
`, bind.Addr, knot.Addr, parent.Addr, tsigVar, cfVar, hookVar, cfZone, cf.URL, r53Zone, r53.URL(), listen, deadPort)
	}
	cloudZone := "$ORIGIN cloud.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nwww IN A 192.0.2.1\n@ IN MX 10 mail\nmail IN A 192.0.2.2\n@ IN TXT \"v=spf1 -all\"\n"
	writeFiles(t, dir, map[string]string{
		"good.yaml":         config("TZ_LEAK_TSIG", "TZ_LEAK_CF", "TZ_LEAK_HOOK"),
		"bad.yaml":          config("TZ_LEAK_TSIG_BAD", "TZ_LEAK_CF_BAD", "TZ_LEAK_HOOK_BAD"),
		"example.test.zone": labZoneFile, "cloud.test.zone": cloudZone,
	})

	runs, failures := 0, 0
	cliRun := func(args ...string) {
		t.Helper()
		for _, logArgs := range [][]string{nil, {"--log-format", "json", "--log-level", "debug"}} {
			// Flags before arguments: urfave/cli stops at the first argument (import PROVIDER).
			all := append(append(append([]string{}, args[0]), logArgs...), args[1:]...)
			code, out, stderr := runCLI(t, all...)
			runs++
			if code != 0 {
				failures++
			}
			lc.check(fmt.Sprintf("stdout of twinzone %v (exit %d)", all, code), out)
			lc.check(fmt.Sprintf("stderr of twinzone %v (exit %d)", all, code), stderr)
		}
	}
	for _, cfgName := range []string{"good.yaml", "bad.yaml"} {
		conf := filepath.Join(dir, cfgName)
		ex := []string{"--config", conf, "--zone", "example.test."}
		cl := []string{"--config", conf, "--zone", "cloud.test."}
		cliRun("validate", "--config", conf)
		for _, f := range []string{"text", "json", "markdown"} {
			cliRun("plan", "--config", conf, "--format", f)
		}
		cliRun(append([]string{"sync", "--force"}, cl...)...)
		cliRun(append([]string{"sync", "--force"}, ex...)...)
		cliRun(append([]string{"plan", "--exit-code"}, cl...)...)
		for _, p := range []string{"bind", "cf", "r53"} {
			zs := ex
			if p != "bind" {
				zs = cl
			}
			cliRun(append(append([]string{"import"}, zs...), p)...)
		}
		cliRun(append([]string{"probe"}, ex...)...)
		cliRun(append([]string{"status"}, ex...)...)
		cliRun(append([]string{"check"}, ex...)...)
		cliRun(append([]string{"check", "--format", "json"}, ex...)...)
		cliRun(append([]string{"failover", "--yes"}, ex...)...)
		cliRun(append([]string{"failback", "--yes"}, ex...)...)
		cliRun(append([]string{"failover", "--yes", "--dry-run"}, ex...)...)

		// The controller, briefly: its logs and /metrics.
		ctx, cancel := context.WithCancel(context.Background())
		var runOut, runErr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"twinzone", "run", "--config", conf, "--zone", "example.test.", "--sync-interval", "1s", "--log-level", "debug", "--log-format", "json"}, &runOut, &runErr)
		}()
		metrics := ""
		for range 50 {
			time.Sleep(100 * time.Millisecond)
			if resp, err := http.Get("http://" + listen + "/metrics"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				metrics = string(b)
				break
			}
		}
		time.Sleep(1500 * time.Millisecond) // a periodic sync round and probe rounds
		if resp, err := http.Get("http://" + listen + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics += string(b)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Errorf("twinzone run did not stop")
		}
		if !strings.Contains(metrics, "twinzone_") {
			t.Errorf("%s: no /metrics from twinzone run:\n%s", cfgName, lastLines(runErr.String(), 20))
		}
		lc.check("/metrics of twinzone run ("+cfgName+")", metrics)
		lc.check("stdout of twinzone run ("+cfgName+")", runOut.String())
		lc.check("stderr of twinzone run ("+cfgName+")", runErr.String())
		runs++
	}
	lc.checkDir(filepath.Join(dir, "state"))
	hook.mu.Lock()
	for i, b := range hook.bodies {
		lc.check(fmt.Sprintf("webhook body %d", i), b)
	}
	nHooks := len(hook.bodies)
	hook.mu.Unlock()
	if nHooks == 0 {
		t.Errorf("the webhook was never called: the failover paths did not run")
	}
	if failures == 0 {
		t.Errorf("no command failed: the wrong-credential error paths did not run")
	}
	t.Logf("%d twinzone runs (%d failing), %d outputs (stdout, stderr, state files, %d webhook bodies, /metrics) grepped for %d secret forms: no leak", runs, failures, lc.checked, nHooks, len(lc.forms))
}

// TestConfigModeWarning: a config file others may read gets a warning when it holds a secret
// in clear text (a webhook URL), one others may write always does; the warning never shows
// the secret. A private file gets none.
func TestConfigModeWarning(t *testing.T) {
	dir := t.TempDir()
	hookURL := "https://hooks.example.net/services/" + leakHookTok + "?key=" + leakHookKey
	cfg := `providers:
  a: {type: zonefile, path: out/a.zone}
  b: {type: zonefile, path: out/b.zone}
controller:
  webhook: "` + hookURL + `"
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: a, nameservers: ["ns1.example.test.=127.0.0.1"]}
    secondary: {provider: b, nameservers: ["ns2.example.test.=127.0.0.1"]}
`
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	conf := filepath.Join(dir, "twinzone.yaml")
	lc := &leakCheck{t: t, forms: secretForms(hookURL)}
	for _, c := range []struct {
		mode os.FileMode
		want string // "" = no warning
	}{
		{0o600, ""},
		{0o640, "readable (it holds the webhook URL in clear text) by other users; run chmod 600"},
		{0o644, "readable (it holds the webhook URL in clear text) by other users; run chmod 600"},
		{0o660, "writable by other users; run chmod 600"},
		{0o666, "writable by other users; run chmod 600"},
	} {
		if err := os.Chmod(conf, c.mode); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := runCLI(t, "validate", "--config", conf)
		if code != 0 {
			t.Fatalf("mode %04o: validate exit %d\n%s%s", c.mode, code, out, stderr)
		}
		if c.want == "" && strings.Contains(stderr, "file mode") {
			t.Errorf("mode %04o: unexpected warning: %s", c.mode, stderr)
		}
		if c.want != "" {
			mustContain(t, fmt.Sprintf("stderr at mode %04o", c.mode), stderr, fmt.Sprintf("file mode %04o", c.mode), c.want)
		}
		lc.check(fmt.Sprintf("validate output at mode %04o", c.mode), out+stderr)
	}
}
