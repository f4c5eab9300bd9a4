package azure

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
	"github.com/twinzone/twinzone/providers/dns/azure/azureemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
)

const (
	testZone   = "example.test."
	testTenant = "00000000-0000-0000-0000-0000000000aa"
	testClient = "11111111-1111-1111-1111-1111111111bb"
	testSecret = "azure-secret-value~0123456789"
	testSub    = "22222222-2222-2222-2222-2222222222cc"
	testGroup  = "dns-rg"
)

func start(t testing.TB, secret string) (*azureemu.Server, *Provider) {
	t.Helper()
	emu := azureemu.New(testTenant, testClient, testSecret, testSub, testGroup)
	t.Cleanup(emu.Close)
	emu.AddZone(testZone)
	p, err := New(Config{TenantID: testTenant, ClientID: testClient, ClientSecret: secret, SubscriptionID: testSub,
		ResourceGroup: testGroup, Endpoint: emu.URL, Authority: emu.Authority})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

// carriable leaves out TXT values Azure's JSON strings cannot hold (refused: TestRefuses).
func carriable(s zone.RRset) (zone.RRset, bool) {
	if s.Type != dns.TypeTXT {
		return s, true
	}
	var keep []string
	for _, v := range s.Values {
		one := s
		one.Values = []string{v}
		if _, err := fromRRset(&one); err == nil {
			keep = append(keep, v)
		}
	}
	s.Values = keep
	return s, len(keep) > 0
}

// The conformance suite; ManyRecords (1,100 record sets) reads 12 pages by nextLink, and
// multi-string TXT keeps its strings (Azure's TXT value is a list of strings).
func TestConformance(t *testing.T) {
	providertest.RunWith(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t, testSecret)
		return p, testZone
	}, providertest.Options{Fixture: carriable})
}

func TestRefuses(t *testing.T) {
	emu, p := start(t, testSecret)
	s := zone.RRset{Name: "t." + testZone, Type: dns.TypeTXT, TTL: 300, Values: []string{`"caf\195\169 \255\000 bytes"`}}
	err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &s}})
	if err == nil || !strings.Contains(err.Error(), "nothing written") || emu.TokenRequests() != 0 {
		t.Errorf("err %v, %d token requests", err, emu.TokenRequests())
	}
}

// A wrong secret gets no token; the error names the client, not the secret; one token serves
// many calls.
func TestAuth(t *testing.T) {
	emu, p := start(t, "wrong-secret-9876543210")
	_, err := p.Records(context.Background(), testZone)
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "invalid_client") ||
		!strings.Contains(err.Error(), testClient) || strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), "Trace ID") {
		t.Errorf("wrong secret: %v", err)
	}
	_, p = start(t, testSecret)
	for range 3 {
		if _, err := p.Records(context.Background(), testZone); err != nil {
			t.Fatal(err)
		}
	}
	_ = emu
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"AZURE_CLIENT_SECRET": testSecret}
	full := `{type: azure, tenant_id: t, client_id: c, client_secret: "${AZURE_CLIENT_SECRET}", subscription_id: s, resource_group: g}`
	c, err := configtest.Load(t, types, "  a: "+full+"\n  b: "+full+"\n", env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.ClientSecret.Reveal() != testSecret || a.ResourceGroup != "g" || c.Providers["a"].Spec.Company != "Microsoft" {
		t.Errorf("a = %+v", a)
	}
	_, err = configtest.Load(t, types, `  a: {type: azure, tenant_id: t, client_secret: "${AZURE_CLIENT_SECRET}"}`+"\n  b: "+full+"\n", env)
	for _, want := range []string{`twinzone.yaml:2:6: providers.a: missing key "client_id"`, `providers.a: missing key "subscription_id"`, `providers.a: missing key "resource_group"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
}
