package desec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/providertest"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/desec/desecemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/internal/hostedtest"
)

const (
	testToken = "desec-token-0123456789"
	testZone  = "example.test."
)

func start(t testing.TB) (*desecemu.Server, *Provider) {
	t.Helper()
	emu := desecemu.New(testToken, DefaultMinTTL)
	t.Cleanup(emu.Close)
	emu.AddDomain(testZone)
	p, err := New(Config{Token: testToken, Endpoint: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

// The conformance suite against the emulator; ManyRecords (1,100 RRsets) goes through deSEC's
// cursor pagination.
func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testZone
	})
}

// One bulk PUT per change set; a change deSEC refuses leaves the whole set unwritten.
func TestBulkPutAtomic(t *testing.T) {
	emu, p := start(t)
	ok := zone.RRset{Name: "ok." + testZone, Type: dns.TypeA, TTL: 3600, Values: []string{"192.0.2.1"}}
	other := zone.RRset{Name: "x." + testZone, Type: dns.TypeA, TTL: 3600, Values: []string{"192.0.2.2"}}
	cname := zone.RRset{Name: "x." + testZone, Type: dns.TypeCNAME, TTL: 3600, Values: []string{"ok.example.test."}}
	err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &ok}, {Action: plan.Create, New: &other}, {Action: plan.Create, New: &cname}})
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "conflicting type") {
		t.Fatalf("err = %v", err)
	}
	if emu.Puts() != 1 {
		t.Errorf("%d PUTs, want 1", emu.Puts())
	}
	got, _ := p.Records(context.Background(), testZone)
	for _, s := range got {
		if s.Name == ok.Name {
			t.Errorf("%s written although the bulk PUT was refused", s.Key())
		}
	}
}

// A wrong token is permanent and not shown; an unknown domain is an error.
func TestErrors(t *testing.T) {
	emu, _ := start(t)
	p, _ := New(Config{Token: "wrong-token-9876543210", Endpoint: emu.URL})
	_, err := p.Records(context.Background(), testZone)
	hostedtest.WrongToken(t, err, "wrong-token", "401")
	p, _ = New(Config{Token: testToken, Endpoint: emu.URL})
	if _, err := p.Records(context.Background(), "nosuch.test."); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown domain: %v", err)
	}
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"DESEC_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: desec, token: "${DESEC_TOKEN}"}
  b: {type: desec, token: "${DESEC_TOKEN}", endpoint: "http://127.0.0.1:9/api/v1", min_ttl: 60}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.Token.Reveal() != testToken || a.Endpoint != "" || a.MinTTL != DefaultMinTTL {
		t.Errorf("a = %+v", a)
	}
	if b := c.Providers["b"].Settings.(*Settings); b.Endpoint != "http://127.0.0.1:9/api/v1" || b.MinTTL != 60 {
		t.Errorf("b = %+v", b)
	}
	for _, tc := range []struct{ block, want string }{
		{`  a: {type: desec}`, `twinzone.yaml:2:6: providers.a: missing key "token", e.g. token: ${DESEC_TOKEN}`},
		{`  a: {type: desec, token: plain}`, `twinzone.yaml:2:27: providers.a.token: key "token" must reference an environment variable like ${DESEC_TOKEN}`},
		{`  a: {type: desec, token: "${DESEC_TOKEN}", min_ttl: 100000}`, `twinzone.yaml:2:54: providers.a.min_ttl: 100000 is out of range: deSEC's largest TTL is 86400`},
	} {
		_, err := configtest.Load(t, types, tc.block+"\n"+`  b: {type: desec, token: "${DESEC_TOKEN}"}`+"\n", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}
