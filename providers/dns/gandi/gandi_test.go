package gandi

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/gandi/gandiemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/internal/hostedtest"
)

const (
	testToken = "pat_gandi-0123456789"
	testZone  = "example.test."
)

func start(t testing.TB) (*gandiemu.Server, *Provider) {
	t.Helper()
	emu := gandiemu.New(testToken)
	t.Cleanup(emu.Close)
	emu.AddDomain(testZone)
	p, err := New(Config{Token: testToken, Endpoint: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testZone
	})
}

// One request per RRset; a refused RRset stops the apply there, the RRsets before it stay.
func TestApplyPerRRset(t *testing.T) {
	emu, p := start(t)
	a := zone.RRset{Name: "a." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.1", "192.0.2.2"}}
	bad := zone.RRset{Name: "b." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.3"}}
	before := emu.Requests()
	if err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &a}, {Action: plan.Create, New: &bad}}); err != nil {
		t.Fatal(err)
	}
	if n := emu.Requests() - before; n != 2 {
		t.Errorf("%d requests for 2 RRsets", n)
	}
	cname := zone.RRset{Name: "a." + testZone, Type: dns.TypeCNAME, TTL: 300, Values: []string{"x.example.net."}}
	after := zone.RRset{Name: "z." + testZone, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.9"}}
	err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &cname}, {Action: plan.Create, New: &after}})
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "a.example.test. CNAME") {
		t.Errorf("CNAME beside A: %v", err)
	}
	// Deleting an RRset that is already gone succeeds (a retried apply converges).
	if err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Delete, Old: &bad}, {Action: plan.Delete, Old: &bad}}); err != nil {
		t.Errorf("delete twice: %v", err)
	}
	got, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range got {
		if s.Key() == a.Key() {
			found = len(s.Values) == 2
		}
		if s.Key() == bad.Key() || s.Key() == after.Key() {
			t.Errorf("%s still there", s.Key())
		}
	}
	if !found {
		t.Errorf("a.%s A with both values missing: %+v", testZone, got)
	}
}

// An ALIAS (Gandi-only) does not make the zone unreadable; it is left out.
func TestAliasLeftOut(t *testing.T) {
	emu, p := start(t)
	emu.Set(testZone, "@", "ALIAS", 300, "target.example.net.")
	emu.Set(testZone, "www", "A", 300, "192.0.2.1")
	got, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	var www bool
	for _, s := range got {
		www = www || s.Name == "www."+testZone
	}
	if !www || len(got) != 3 { // SOA, NS, www A
		t.Errorf("records = %+v", got)
	}
}

func TestErrors(t *testing.T) {
	emu, _ := start(t)
	p, _ := New(Config{Token: "pat_wrong-9876543210", Endpoint: emu.URL})
	_, err := p.Records(context.Background(), testZone)
	hostedtest.WrongToken(t, err, "pat_wrong", "401")
	p, _ = New(Config{Token: testToken, Endpoint: emu.URL})
	if _, err := p.Records(context.Background(), "nosuch.test."); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("unknown domain: %v", err)
	}
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"GANDI_API_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: gandi, api_token: "${GANDI_API_TOKEN}"}
  b: {type: gandi, api_token: "${GANDI_API_TOKEN}", endpoint: "https://api.sandbox.gandi.net/v5/livedns/"}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.Token.Reveal() != testToken || a.Endpoint != "" || c.Providers["a"].Spec.Company != "Gandi" {
		t.Errorf("a = %+v", a)
	}
	if b := c.Providers["b"].Settings.(*Settings); b.Endpoint != "https://api.sandbox.gandi.net/v5/livedns" {
		t.Errorf("b = %+v", b)
	}
	for _, tc := range []struct{ block, want string }{
		{`  a: {type: gandi}`, `twinzone.yaml:2:6: providers.a: missing key "api_token", e.g. api_token: ${GANDI_API_TOKEN}`},
		{`  a: {type: gandi, api_token: "${NOPE}"}`, `twinzone.yaml:2:31: providers.a.api_token: environment variable NOPE is not set`},
		{`  a: {type: gandi, api_token: "${GANDI_API_TOKEN}", endpoint: ftp://x}`, `providers.a.endpoint: "ftp://x" is not an http(s) URL`},
	} {
		_, err := configtest.Load(t, types, tc.block+"\n"+`  b: {type: gandi, api_token: "${GANDI_API_TOKEN}"}`+"\n", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}
