package dnsimple

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
	"github.com/twinzone/twinzone/providers/dns/dnsimple/dnsimpleemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/internal/hostedtest"
)

const (
	testToken   = "dnsimple-token-0123456789"
	testAccount = "1385"
	testZone    = "example.test."
)

func start(t testing.TB) (*dnsimpleemu.Server, *Provider) {
	t.Helper()
	emu := dnsimpleemu.New(testToken, testAccount)
	t.Cleanup(emu.Close)
	emu.AddZone(testZone)
	p, err := New(Config{Token: testToken, Account: testAccount, Endpoint: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

// The conformance suite; ManyRecords (about 1,200 records) reads 13 pages of 100.
func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testZone
	})
}

// A changed RRset keeps its records: a changed value is patched in place, one request per
// value; an unchanged value is not touched; MX priorities round-trip.
func TestChangeInPlace(t *testing.T) {
	emu, p := start(t)
	ctx := context.Background()
	mx := zone.RRset{Name: testZone, Type: dns.TypeMX, TTL: 300, Values: []string{"10 mail.example.test.", "20 mx2.example.test."}}
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Create, New: &mx}}); err != nil {
		t.Fatal(err)
	}
	next := mx
	next.Values = []string{"10 mail.example.test.", "30 mx3.example.test."}
	before := emu.Requests()
	if err := p.Apply(ctx, testZone, []plan.Change{{Action: plan.Update, Old: &mx, New: &next}}); err != nil {
		t.Fatal(err)
	}
	if n := emu.Requests() - before; n != 2 { // the listing, one PATCH
		t.Errorf("%d requests, want 2", n)
	}
	got, err := p.Records(ctx, testZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if s.Key() == mx.Key() && strings.Join(s.Values, ",") != "10 mail.example.test.,30 mx3.example.test." {
			t.Errorf("MX = %q", s.Values)
		}
	}
}

// An ALIAS at the apex is reported as unmanaged (and not read as records).
func TestAliasUnmanaged(t *testing.T) {
	emu, p := start(t)
	emu.Set(testZone, "", "ALIAS", "target.example.net", 3600)
	un, err := p.Unmanaged(context.Background(), testZone)
	if err != nil || len(un) != 1 || un[0].Key.Name != testZone || !strings.Contains(un[0].Reason, "ALIAS") {
		t.Fatalf("unmanaged = %+v, %v", un, err)
	}
	got, err := p.Records(context.Background(), testZone)
	if err != nil || len(got) != 2 { // SOA, NS
		t.Errorf("records = %+v, %v", got, err)
	}
}

func TestErrors(t *testing.T) {
	emu, _ := start(t)
	p, _ := New(Config{Token: "wrong-token-9876543210", Account: testAccount, Endpoint: emu.URL})
	_, err := p.Records(context.Background(), testZone)
	hostedtest.WrongToken(t, err, "wrong-token", "401")
	p, _ = New(Config{Token: testToken, Account: testAccount, Endpoint: emu.URL})
	if _, err := p.Records(context.Background(), "nosuch.test."); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown zone: %v", err)
	}
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"DNSIMPLE_API_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}", account: "1385"}
  b: {type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}", account: "1385", endpoint: "https://api.sandbox.dnsimple.com/v2"}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.Token.Reveal() != testToken || a.Account != "1385" || a.Endpoint != "" {
		t.Errorf("a = %+v", a)
	}
	for _, tc := range []struct{ block, want string }{
		{`  a: {type: dnsimple, account: "1"}`, `twinzone.yaml:2:6: providers.a: missing key "api_token", e.g. api_token: ${DNSIMPLE_API_TOKEN}`},
		{`  a: {type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}"}`, `twinzone.yaml:2:6: providers.a: missing key "account" (the DNSimple account ID)`},
		{`  a: {type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}", acount: "1"}`, `providers.a: unknown key "acount" (did you mean "account"?)`},
	} {
		_, err := configtest.Load(t, types, tc.block+"\n"+`  b: {type: dnsimple, api_token: "${DNSIMPLE_API_TOKEN}", account: "1"}`+"\n", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}
