package registrars_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers"
	registrars "github.com/twinzone/twinzone/providers/registrar"
	"github.com/twinzone/twinzone/providers/registrar/godaddy/godaddyemu"
	"github.com/twinzone/twinzone/providers/registrar/namecheap/namecheapemu"
	"github.com/twinzone/twinzone/providers/registrar/namecom/namecomemu"
	"github.com/twinzone/twinzone/providers/registrar/ovh/ovhemu"
)

// TestNewRegistrarsFromConfig: each new registrar type, written in twinzone.yaml as a user
// writes it (secrets as ${VAR}), opens and moves the delegation at its emulator.
func TestNewRegistrarsFromConfig(t *testing.T) {
	env := map[string]string{"NAMECOM_API_TOKEN": "nc-tok-1", "NAMECHEAP_API_KEY": "nch-key-2", "OVH_APPLICATION_SECRET": "ovh-as-3",
		"OVH_CONSUMER_KEY": "ovh-ck-4", "GODADDY_API_KEY": "gd-k-5", "GODADDY_API_SECRET": "gd-s-6"}
	held := map[string][]string{"example.com": {"ns1.old.net", "ns2.old.net"}}
	nc := namecomemu.Start("ops", env["NAMECOM_API_TOKEN"], held)
	defer nc.Close()
	ch := namecheapemu.Start("ops", env["NAMECHEAP_API_KEY"], []string{"127.0.0.1"}, held)
	defer ch.Close()
	ov := ovhemu.Start("ovh-ak", env["OVH_APPLICATION_SECRET"], env["OVH_CONSUMER_KEY"], held)
	defer ov.Close()
	gd := godaddyemu.Start(env["GODADDY_API_KEY"], env["GODADDY_API_SECRET"], held)
	defer gd.Close()

	yaml := `registrars:
  namecom: {type: namecom, username: ops, api_token: "${NAMECOM_API_TOKEN}", endpoint: "` + nc.URL + `"}
  namecheap: {type: namecheap, api_user: ops, api_key: "${NAMECHEAP_API_KEY}", client_ip: 127.0.0.1, endpoint: "` + ch.URL + `"}
  ovh: {type: ovh, application_key: ovh-ak, application_secret: "${OVH_APPLICATION_SECRET}", consumer_key: "${OVH_CONSUMER_KEY}", endpoint: "` + ov.URL + `"}
  godaddy: {type: godaddy, api_key: "${GODADDY_API_KEY}", api_secret: "${GODADDY_API_SECRET}", endpoint: "` + gd.URL + `"}
`
	yaml += `providers:
  a: {type: zonefile, path: a.zone}
  b: {type: zonefile, path: b.zone}
zones:
  - {name: example.com., file: example.com.zone, primary: {provider: a}, secondary: {provider: b}, registrar: ovh}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "twinzone.yaml")
	zone := "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\n"
	if err := os.WriteFile(filepath.Join(dir, "example.com.zone"), []byte(zone), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadWith(path, providers.Types(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	held2 := map[string]func() []string{
		"namecom": func() []string { return nc.Nameservers("example.com") }, "namecheap": func() []string { return ch.Nameservers("example.com") },
		"ovh": func() []string { return ov.Nameservers("example.com") }, "godaddy": func() []string { return gd.Nameservers("example.com") }}
	set := nameserver.Set{{Name: "a.ns.new.org."}, {Name: "b.ns.new.org."}}
	for name, now := range held2 {
		r, err := registrars.Open(context.Background(), cfg.Registrars[name], nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		op, err := r.SetNameservers(context.Background(), "example.com.", set)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w, ok := r.(registrar.Waiter); ok { // OVH: a task
			if err := w.Wait(context.Background(), "example.com.", op); err != nil {
				t.Fatalf("%s: wait: %v", name, err)
			}
		}
		if got := now(); !slices.Equal(got, []string{"a.ns.new.org", "b.ns.new.org"}) {
			t.Errorf("%s holds %v", name, got)
		}
	}
}

// TestNewRegistrarConfigErrors: missing keys are named with file:line.
func TestNewRegistrarConfigErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{type: namecom, api_token: "${K}"}`:                                        `missing key "username"`,
		`{type: namecheap, api_user: u, api_key: "${K}"}`:                           `missing key "client_ip"`,
		`{type: namecheap, api_user: u, api_key: "${K}", client_ip: "2001:db8::1"}`: `is not an IPv4 address`,
		`{type: ovh, application_secret: "${K}", consumer_key: "${K}"}`:             `missing key "application_key"`,
		`{type: godaddy, api_key: "${K}"}`:                                          `missing key "api_secret"`,
		`{type: godaddy, api_key: "${K}", api_secret: "${K}", shopper: x}`:          `unknown key "shopper"`,
	} {
		body := "registrars:\n  r: " + body + "\n"
		typ := body
		path := filepath.Join(t.TempDir(), "twinzone.yaml")
		_ = os.WriteFile(path, []byte(body), 0o600)
		_, err := config.LoadWith(path, providers.Types(), func(string) (string, bool) { return "value-1234", true })
		if err == nil || !strings.Contains(err.Error(), "twinzone.yaml:2:") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", typ, err, want)
		}
	}
}
