package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/providers/dns/azure/azureemu"
	"github.com/twinzone/twinzone/providers/dns/desec/desecemu"
	"github.com/twinzone/twinzone/providers/dns/digitalocean/doemu"
	"github.com/twinzone/twinzone/providers/dns/dnsimple/dnsimpleemu"
	"github.com/twinzone/twinzone/providers/dns/gandi/gandiemu"
	"github.com/twinzone/twinzone/providers/dns/googleclouddns/gcdnsemu"
	"github.com/twinzone/twinzone/providers/dns/hetzner/hetzneremu"
)

const hostedZone = `$ORIGIN hosted.test.
$TTL 3600
@    IN SOA ns1.hosted.test. hostmaster.hosted.test. 1 7200 3600 1209600 3600
@    IN NS  ns1.hosted.test.
@    IN MX  10 mail.hosted.test.
@    IN MX  20 mx2.example.net.
@    IN TXT "v=spf1 -all"
ns1  IN A   192.0.2.53
www  IN A   192.0.2.1
www  IN A   192.0.2.2
www  IN AAAA 2001:db8::1
mail IN A   192.0.2.25
_sip._tcp IN SRV 10 60 5060 sip.hosted.test.
sip  IN CNAME www.hosted.test.
`

// TestHostedProviders opens each hosted provider type from the config, as twinzone runs it,
// against its loopback emulator: two at a time as a zone's primary and secondary, `sync`
// converges both (exit 0) and a second `plan --exit-code` finds nothing to do (exit 0).
func TestHostedProviders(t *testing.T) {
	desec := desecemu.New("desec-tok", 3600)
	defer desec.Close()
	desec.AddDomain("hosted.test")
	gandi := gandiemu.New("pat_gandi")
	defer gandi.Close()
	gandi.AddDomain("hosted.test")
	dnsimple := dnsimpleemu.New("dnsimple-tok", "1385")
	defer dnsimple.Close()
	dnsimple.AddZone("hosted.test")
	do := doemu.New("dop_tok")
	defer do.Close()
	do.AddDomain("hosted.test")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gc := gcdnsemu.New("tz-proj", "tz@tz-proj.iam.gserviceaccount.com", &key.PublicKey)
	defer gc.Close()
	gc.AddZone("hosted-test", "hosted.test.")
	az := azureemu.New("tenant-1", "client-1", "az-secret", "sub-1", "rg-1")
	defer az.Close()
	az.AddZone("hosted.test")
	hz := hetzneremu.New("hcloud-tok")
	defer hz.Close()
	hz.AddZone("hosted.test")

	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyJSON, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "tz-proj", "client_email": "tz@tz-proj.iam.gserviceaccount.com",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": gc.TokenURI})
	for k, v := range map[string]string{"DESEC_TOKEN": "desec-tok", "GANDI_API_TOKEN": "pat_gandi", "DNSIMPLE_API_TOKEN": "dnsimple-tok",
		"DIGITALOCEAN_TOKEN": "dop_tok", "AZURE_CLIENT_SECRET": "az-secret", "HCLOUD_TOKEN": "hcloud-tok"} {
		t.Setenv(k, v)
	}
	providers := map[string]string{
		"desec":    fmt.Sprintf(`{type: desec, token: "${DESEC_TOKEN}", endpoint: %q}`, desec.URL),
		"gandi":    fmt.Sprintf(`{type: gandi, api_token: "${GANDI_API_TOKEN}", endpoint: %q}`, gandi.URL),
		"dnsimple": fmt.Sprintf(`{type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}", account: "1385", endpoint: %q}`, dnsimple.URL),
		"do":       fmt.Sprintf(`{type: digitalocean, token: "${DIGITALOCEAN_TOKEN}", endpoint: %q}`, do.URL),
		"gcloud":   fmt.Sprintf(`{type: googleclouddns, credentials_file: gcloud-key.json, endpoint: %q}`, gc.URL),
		"azure": fmt.Sprintf(`{type: azure, tenant_id: tenant-1, client_id: client-1, client_secret: "${AZURE_CLIENT_SECRET}", subscription_id: sub-1, resource_group: rg-1, endpoint: %q, authority: %q}`,
			az.URL, az.Authority),
		"hetzner": fmt.Sprintf(`{type: hetzner, token: "${HCLOUD_TOKEN}", endpoint: %q}`, hz.URL),
	}
	for _, pair := range [][2]string{{"desec", "gandi"}, {"dnsimple", "do"}, {"gcloud", "azure"}, {"hetzner", "desec"}} {
		t.Run(pair[0]+"+"+pair[1], func(t *testing.T) {
			dir := t.TempDir()
			var b strings.Builder
			b.WriteString("providers:\n")
			for _, name := range pair {
				fmt.Fprintf(&b, "  %s: %s\n", name, providers[name])
			}
			fmt.Fprintf(&b, "zones:\n  - name: hosted.test.\n    file: hosted.test.zone\n    primary: {provider: %s}\n    secondary: {provider: %s}\n", pair[0], pair[1])
			writeFiles(t, dir, map[string]string{"hosted.test.zone": hostedZone, "twinzone.yaml": b.String(), "gcloud-key.json": string(keyJSON)})
			conf := filepath.Join(dir, "twinzone.yaml")
			if code, out, stderr := runCLI(t, "sync", "--config", conf); code != exitOK {
				t.Fatalf("sync: exit %d\n%s\n%s", code, out, stderr)
			}
			if code, out, stderr := runCLI(t, "plan", "--config", conf, "--exit-code"); code != exitOK {
				t.Fatalf("plan after sync: exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}
