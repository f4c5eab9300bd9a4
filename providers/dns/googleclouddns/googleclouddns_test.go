package googleclouddns

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/googleclouddns/gcdnsemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
)

const (
	testZone    = "example.test."
	testProject = "tz-project"
	testEmail   = "twinzone@tz-project.iam.gserviceaccount.com"
)

var testKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

// keyFile writes a service-account key file for the emulator and returns its path.
func keyFile(t testing.TB, emu *gcdnsemu.Server, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": testProject, "client_email": testEmail,
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": emu.TokenURI})
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func start(t testing.TB) (*gcdnsemu.Server, *Provider, string) {
	t.Helper()
	emu := gcdnsemu.New(testProject, testEmail, &testKey.PublicKey)
	t.Cleanup(emu.Close)
	emu.AddZone("example-test", testZone)
	path := keyFile(t, emu, testKey)
	cfg, err := readKey(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint, cfg.PollWait = emu.URL, time.Millisecond
	p, err := New(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return emu, p, path
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p, _ := start(t)
		return p, testZone
	})
}

// One Change per change set, one token for many calls; an RRset changed behind twinzone's
// back since the plan makes Cloud DNS refuse the whole Change.
func TestChangeIsAtomic(t *testing.T) {
	emu, p, _ := start(t)
	ctx := context.Background()
	a := zone.RRset{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1"}}
	b := zone.RRset{Name: "b." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.2"}}
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Create, New: &a}, {Action: plan.Create, New: &b}}); err != nil {
		t.Fatal(err)
	}
	// Someone changes b; twinzone's plan still has the old b.
	b2 := b
	b2.Values = []string{"192.0.2.22"}
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Update, Old: &b, New: &b2}}); err != nil {
		t.Fatal(err)
	}
	a2 := a
	a2.Values = []string{"192.0.2.11"}
	b3 := b
	b3.Values = []string{"192.0.2.33"}
	err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Update, Old: &a, New: &a2}, {Action: plan.Update, Old: &b, New: &b3}})
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "412") {
		t.Fatalf("stale plan: %v", err)
	}
	got, _ := p.Records(ctx, testZone)
	for _, s := range got {
		if s.Key() == a.Key() && s.Values[0] != "192.0.2.1" {
			t.Errorf("a changed although the Change was refused: %q", s.Values)
		}
	}
	if changes, tokens := emu.Counts(); changes != 3 || tokens != 1 {
		t.Errorf("%d Changes, %d token requests; want 3, 1", changes, tokens)
	}
}

// A key the emulator does not know gets no token; the error names the account, not the key.
func TestWrongKey(t *testing.T) {
	emu, _, _ := start(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	cfg, err := readKey(keyFile(t, emu, other))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint = emu.URL
	p, _ := New(*cfg)
	_, err = p.Records(context.Background(), testZone)
	if err == nil || !strings.Contains(err.Error(), "Invalid JWT Signature") || !strings.Contains(err.Error(), testEmail) || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("wrong key: %v", err)
	}
}

func TestConfig(t *testing.T) {
	emu, _, path := start(t)
	_ = emu
	types := []config.ProviderType{ConfigType()}
	c, err := configtest.Load(t, types, `  a: {type: googleclouddns, credentials_file: `+path+`}
  b: {type: googleclouddns, credentials_file: `+path+`, project: other, managed_zone: example-test}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.CredentialsFile != path || a.Project != "" {
		t.Errorf("a = %+v", a)
	}
	if b := c.Providers["b"].Settings.(*Settings); b.Project != "other" || b.ManagedZone != "example-test" {
		t.Errorf("b = %+v", b)
	}
	notKey := filepath.Join(t.TempDir(), "x.json")
	_ = os.WriteFile(notKey, []byte(`{"type": "authorized_user"}`), 0o600)
	for _, tc := range []struct{ block, want string }{
		{`  a: {type: googleclouddns}`, `twinzone.yaml:2:6: providers.a: missing key "credentials_file"`},
		{`  a: {type: googleclouddns, credentials_file: ` + notKey + `}`, `twinzone.yaml:2:6: providers.a: credentials_file: ` + notKey + `: not a service-account key file`},
		{`  a: {type: googleclouddns, credentials_file: /nonexistent/key.json}`, `providers.a: credentials_file: open /nonexistent/key.json: no such file or directory`},
	} {
		_, err := configtest.Load(t, types, tc.block+"\n  b: {type: googleclouddns, credentials_file: "+path+"}\n", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}
