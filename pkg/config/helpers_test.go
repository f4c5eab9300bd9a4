package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/twinzone/twinzone/providers"
)

// testSecrets are the values the test environment hands out; no output may contain them.
var testSecrets = map[string]string{
	"CLOUDFLARE_API_TOKEN":  "cf-TOKEN-0123456789abcdef",
	"TSIG_KEY":              "c2VjcmV0LXRzaWcta2V5LXZhbHVlLTEyMzQ1Ng==",
	"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLEKEYID0001",
	"AWS_SECRET_ACCESS_KEY": "aws-secret-access-key-value-0001",
	"GANDI_API_TOKEN":       "gandi-token-value-0001",
	"PORKBUN_API_KEY":       "pk1_porkbun-key-value",
	"PORKBUN_SECRET":        "sk1_porkbun-secret-value",
	"WEBHOOK_URL":           "https://hooks.example.net/services/T000/B000/webhook-secret-path",
	"EMPTY":                 "",
	"NOT_BASE64":            "this is not base64!!",
	"ZONE_DIR":              "zones",
}

func testLookup(name string) (string, bool) {
	v, ok := testSecrets[name]
	return v, ok
}

// writeConfig writes body as twinzone.yaml into a fresh folder that also holds
// zones/example.com.zone and zones/example.org.zone, and returns the config's path.
func writeConfig(t testing.TB, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, z := range []string{"example.com", "example.org"} {
		zone := "$ORIGIN " + z + ".\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n"
		if err := os.WriteFile(filepath.Join(dir, "zones", z+".zone"), []byte(zone), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "twinzone.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testTypes is the build's provider table, as the CLI passes it.
var testTypes = providers.Types()
