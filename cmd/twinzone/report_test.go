package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
)

// reportConfig has a primary that cannot be read (its server is a closed port) and a zonefile
// secondary that can.
const reportConfig = `providers:
  dead: {type: rfc2136, server: "127.0.0.1:1"}
  file: {type: zonefile, path: served.zone}
zones:
  - name: example.com.
    file: example.com.zone
    primary:   {provider: dead, nameservers: ["ns1.lab.example.=127.0.0.1:5301"]}
    secondary: {provider: file, nameservers: ["ns1.file.example.=127.0.0.1:5302"]}
`

// TestPlanReportsUnreadableProvider: in every format, the provider that could not be read is
// an error row beside the one that worked, and plan exits 1; the stamp is not a change.
func TestPlanReportsUnreadableProvider(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"twinzone.yaml": reportConfig, "example.com.zone": goodZone,
		"served.zone": "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ 300 IN A 192.0.2.1\nwww 300 IN CNAME @\n"})
	conf := filepath.Join(dir, "twinzone.yaml")
	for _, format := range []string{"text", "json", "markdown"} {
		code, out, stderr := runCLI(t, "plan", "--config", conf, "--format", format)
		if code != exitError {
			t.Errorf("plan --format %s with an unreadable provider: exit %d, want 1\n%s%s", format, code, out, stderr)
		}
		mustContain(t, "plan --format "+format, out, "dead", "connection refused", "file")
		if !strings.Contains(strings.ToLower(out), "error") {
			t.Errorf("plan --format %s: no error row:\n%s", format, out)
		}
		if !strings.Contains(stderr, "zone=example.com.") {
			t.Errorf("plan --format %s: log lines without the zone:\n%s", format, stderr)
		}
		switch format {
		case "json":
			var doc struct {
				Zones []struct {
					Provider, Error string
					Summary         struct{ Create, Update, Delete int }
				}
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Zones) != 2 {
				t.Fatalf("plan json: %v\n%s", err, out)
			}
			if doc.Zones[0].Provider != "dead" || doc.Zones[0].Error == "" || doc.Zones[1].Error != "" {
				t.Errorf("plan json: %+v", doc.Zones)
			}
		case "text", "markdown":
			// Only the stamp differs on the zonefile provider: that is no user change.
			if !strings.Contains(strings.ToLower(out), "no changes (") {
				t.Errorf("plan --format %s: the stamp counted as a change:\n%s", format, out)
			}
		}
	}
}

// TestStatusReports: status says when no controller runs, shows a failed sync as failed and
// names the provider on every event line; with `twinzone run` up, it says it runs.
func TestStatusReports(t *testing.T) {
	dir := t.TempDir()
	port, err := dnsserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := reportConfig + "    probe: {interval: 1s, timeout: 500ms}\ncontroller: {listen: \"" + listen + "\"}\n"
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.com.zone": goodZone,
		"served.zone": "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 7 7200 3600 1209600 300\n"})
	conf := filepath.Join(dir, "twinzone.yaml")
	if code, out, stderr := runCLI(t, "sync", "--config", conf); code != exitError {
		t.Fatalf("sync with an unreadable primary: exit %d, want 1\n%s%s", code, out, stderr)
	}

	code, out, stderr := runCLI(t, "status", "--config", conf)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s%s", code, out, stderr)
	}
	mustContain(t, "status, no controller", out, "controller: NOT RUNNING here", listen,
		"last sync: ", "FAILED on dead; converged: file")
	var syncLine string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " sync ") {
			syncLine = line
		}
	}
	if !strings.Contains(syncLine, "dead,file") || !strings.Contains(syncLine, "FAILED on dead: ") {
		t.Errorf("the sync event line does not name the providers and the failure: %q\n%s", syncLine, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var runOut, runErr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"twinzone", "run", "--config", conf, "--sync-interval", "0"}, &runOut, &runErr)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("twinzone run did not stop")
		}
	}()
	waitHealthy(t, listen, &runErr)
	code, out, stderr = runCLI(t, "status", "--config", conf, "--format", "json")
	if code != 0 {
		t.Fatalf("status json: exit %d\n%s%s", code, out, stderr)
	}
	var st []zoneStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) != 1 {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	if c := st[0].Controller; !c.Running || !c.Healthy || !c.Watches {
		t.Fatalf("status with `twinzone run` up: controller %+v", c)
	}
}
