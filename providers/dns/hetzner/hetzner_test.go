package hetzner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/hetzner/hetzneremu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/internal/hostedtest"
)

const (
	testToken = "hcloud-token-0123456789"
	testZone  = "example.test."
)

func start(t testing.TB) (*hetzneremu.Server, *Provider) {
	t.Helper()
	emu := hetzneremu.New(testToken)
	t.Cleanup(emu.Close)
	emu.AddZone(testZone)
	p, err := New(Config{Token: testToken, Endpoint: emu.URL, PollWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

// The conformance suite; ManyRecords (1,100 RRsets) reads 12 pages of 100.
func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testZone
	})
}

// A value change is one set_records action (the RRset replaced at once), a TTL change one
// change_ttl; both together two; an unchanged RRset nothing.
func TestWritesPerChange(t *testing.T) {
	emu, p := start(t)
	ctx := context.Background()
	a := zone.RRset{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1", "192.0.2.2"}}
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Create, New: &a}}); err != nil {
		t.Fatal(err)
	}
	b := a
	b.Values, b.TTL = []string{"192.0.2.3"}, 600
	before := emu.Writes()
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Update, Old: &a, New: &b}}); err != nil {
		t.Fatal(err)
	}
	if n := emu.Writes() - before; n != 2 {
		t.Errorf("%d writes for values and TTL, want 2", n)
	}
	got, _ := p.Records(ctx, testZone)
	for _, s := range got {
		if s.Key() == a.Key() && (s.TTL != 600 || len(s.Values) != 1) {
			t.Errorf("a = %+v", s)
		}
	}
}

func TestErrors(t *testing.T) {
	emu, _ := start(t)
	p, _ := New(Config{Token: "hcloud-wrong-9876543210", Endpoint: emu.URL})
	_, err := p.Records(context.Background(), testZone)
	hostedtest.WrongToken(t, err, "hcloud-wrong", "unauthorized")
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"HCLOUD_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: hetzner, token: "${HCLOUD_TOKEN}"}
  b: {type: hetzner, token: "${HCLOUD_TOKEN}", endpoint: "http://127.0.0.1:9/v1"}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.Token.Reveal() != testToken || c.Providers["a"].Spec.Company != "Hetzner" {
		t.Errorf("a = %+v", a)
	}
	_, err = configtest.Load(t, types, "  a: {type: hetzner, token: secret}\n  b: {type: hetzner, token: \"${HCLOUD_TOKEN}\"}\n", env)
	if err == nil || !strings.Contains(err.Error(), `twinzone.yaml:2:29: providers.a.token: key "token" must reference an environment variable like ${HCLOUD_TOKEN}`) {
		t.Errorf("clear-text token: %v", err)
	}
}
