package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
