package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

const scratchZone = "$TTL 300\n@ IN SOA ns1.scratch.test. hostmaster.scratch.test. 1 3600 600 86400 300\n@ IN NS ns1.scratch.test.\nns1 IN A 192.0.2.53\n"

// dropOneValue is a deliberately broken PowerDNS in front of a real one: every multi-value
// RRset a PATCH writes loses its last value.
func dropOneValue(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	inner := rp.Director
	rp.Director = func(r *http.Request) {
		inner(r)
		if r.Method != http.MethodPatch || r.Body == nil {
			return
		}
		body, _ := io.ReadAll(r.Body)
		var patch struct {
			RRsets []map[string]any `json:"rrsets"`
		}
		if json.Unmarshal(body, &patch) == nil {
			for _, rs := range patch.RRsets {
				if recs, ok := rs["records"].([]any); ok && len(recs) > 1 {
					rs["records"] = recs[:len(recs)-1]
				}
			}
			body, _ = json.Marshal(patch)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestConformanceCommand runs `twinzone conformance` against the Cloudflare and Route 53
// emulators, a real BIND (rfc2136) and a real PowerDNS (powerdns): all green, exit 0; against
// a PowerDNS behind a proxy that loses a value of every multi-value RRset: the failure is in
// the table, exit 1. A zone holding more than SOA and NS is refused without --force.
func TestConformanceCommand(t *testing.T) {
	cf := cfemu.New(cfemu.Options{Token: "cf-conformance-token", Budget: -1})
	defer cf.Close()
	cf.AddZone("scratch.test")
	r53, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer r53.Close()
	r53Zone, err := r53.AddZone("scratch.test.", false)
	if err != nil {
		t.Fatal(err)
	}
	key := dnsserver.TestKey
	zones := []dnsserver.Zone{{Origin: "scratch.test.", Text: scratchZone}}
	bind := dnsserver.StartBIND(t, dnsserver.Options{Key: &key, Zones: zones})
	pdns := dnsserver.StartPowerDNS(t, dnsserver.Options{Zones: zones})
	broken := dnsserver.StartPowerDNS(t, dnsserver.Options{Zones: zones})
	used := dnsserver.StartPowerDNS(t, dnsserver.Options{Zones: []dnsserver.Zone{{Origin: "scratch.test.", Text: scratchZone + "www IN A 192.0.2.80\n"}}})

	t.Setenv("TZ_CF", "cf-conformance-token")
	t.Setenv("TZ_TSIG", key.Secret)
	t.Setenv("TZ_PDNS", pdns.APIKey)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDCONFORMANCE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "conformance-secret")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"example.com.zone": "$ORIGIN example.com.\n@ 300 IN SOA ns1 h 1 7200 3600 1209600 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\n",
		"twinzone.yaml": fmt.Sprintf(`providers:
  cf: {type: cloudflare, api_token: "${TZ_CF}", endpoint: %q}
  r53: {type: route53, hosted_zone_id: %s, access_key_id: "${AWS_ACCESS_KEY_ID}", secret_access_key: "${AWS_SECRET_ACCESS_KEY}", endpoint: %q}
  bind: {type: rfc2136, server: %q, key_name: %s, key: "${TZ_TSIG}"}
  pdns: {type: powerdns, api_url: %q, api_key: "${TZ_PDNS}"}
  broken: {type: powerdns, api_url: %q, api_key: "${TZ_PDNS}"}
  used: {type: powerdns, api_url: %q, api_key: "${TZ_PDNS}"}
zones:
  - name: example.com.
    file: example.com.zone
    primary: {provider: cf}
    secondary: {provider: r53}
`, cf.URL, r53Zone, r53.URL(), bind.Addr, key.Name, pdns.APIURL, dropOneValue(t, broken.APIURL), used.APIURL),
	})
	conf := filepath.Join(dir, "twinzone.yaml")

	for _, name := range []string{"cf", "r53", "bind", "pdns"} {
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runCLI(t, "conformance", name, "--config", conf, "--zone", "scratch.test")
			if code != exitOK {
				t.Fatalf("exit %d, want 0\n%s\n%s", code, out, stderr)
			}
			mustContain(t, "report", out, "provider "+name, "zone scratch.test.", "| MultiValue ", "| Types ", "| Cancellation ")
			if strings.Contains(out, "FAIL") || !strings.Contains(out, "cases passed") {
				t.Errorf("report:\n%s", out)
			}
			for _, s := range []string{"cf-conformance-token", key.Secret, pdns.APIKey, "conformance-secret"} {
				if strings.Contains(out+stderr, s) {
					t.Errorf("output shows a secret")
				}
			}
		})
	}

	t.Run("broken", func(t *testing.T) {
		code, out, stderr := runCLI(t, "conformance", "broken", "--config", conf, "--zone", "scratch.test", "--run", "MultiValue|Types")
		if code != exitError {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out, stderr)
		}
		mustContain(t, "report", out, "| MultiValue ", "FAIL", "multi.scratch.test. A", "cases passed")
	})

	t.Run("refuses a used zone", func(t *testing.T) {
		code, out, stderr := runCLI(t, "conformance", "used", "--config", conf, "--zone", "scratch.test.", "--run", "MultiValue")
		if code != exitError || !strings.Contains(stderr, "holds records other than SOA and apex NS") || !strings.Contains(stderr, "www.scratch.test. A") {
			t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
		}
		code, out, stderr = runCLI(t, "conformance", "used", "--config", conf, "--zone", "scratch.test.", "--run", "MultiValue", "--force")
		if code != exitOK {
			t.Fatalf("--force: exit %d\n%s\n%s", code, out, stderr)
		}
		// www survived the suite and the restore.
		code, out, _ = runCLI(t, "conformance", "used", "--config", conf, "--zone", "scratch.test.", "--run", "MultiValue")
		if code != exitError {
			t.Errorf("www gone after --force: exit %d\n%s", code, out)
		}
	})

	t.Run("usage", func(t *testing.T) {
		if code, _, stderr := runCLI(t, "conformance", "--config", conf, "--zone", "scratch.test."); code != exitError || !strings.Contains(stderr, "one argument") {
			t.Errorf("no provider: %d %s", code, stderr)
		}
		if code, _, stderr := runCLI(t, "conformance", "pdns", "--config", conf); code != exitError || !strings.Contains(stderr, "--zone") {
			t.Errorf("no zone: %d %s", code, stderr)
		}
		if code, _, stderr := runCLI(t, "conformance", "nope", "--config", conf, "--zone", "scratch.test."); code != exitError || !strings.Contains(stderr, `provider "nope" is not defined`) {
			t.Errorf("unknown provider: %d %s", code, stderr)
		}
	})
}
