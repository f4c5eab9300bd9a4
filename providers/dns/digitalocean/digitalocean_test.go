package digitalocean

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
	"github.com/twinzone/twinzone/providers/dns/digitalocean/doemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/internal/hostedtest"
)

const (
	testToken = "dop_v1_0123456789"
	testZone  = "example.test."
)

func start(t testing.TB) (*doemu.Server, *Provider) {
	t.Helper()
	emu := doemu.New(testToken)
	t.Cleanup(emu.Close)
	emu.AddDomain(testZone)
	p, err := New(Config{Token: testToken, Endpoint: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	return emu, p
}

// carriable leaves out the TXT values DigitalOcean's one-string JSON data cannot hold (the
// adapter refuses them: TestRefusesTXT).
func carriable(s zone.RRset) (zone.RRset, bool) {
	if s.Type != dns.TypeTXT {
		return s, true
	}
	var keep []string
	for _, v := range s.Values {
		if _, err := toRecord(testZone, &s, v); err == nil {
			keep = append(keep, v)
		}
	}
	s.Values = keep
	return s, len(keep) > 0
}

// The conformance suite; ManyRecords (about 1,200 records) reads 7 pages of 200.
func TestConformance(t *testing.T) {
	providertest.RunWith(t, func(t *testing.T) (provider.Provider, string) {
		_, p := start(t)
		return p, testZone
	}, providertest.Options{Fixture: carriable})
}

// A TXT value DigitalOcean cannot hold is refused before any request.
func TestRefusesTXT(t *testing.T) {
	emu, p := start(t)
	for _, v := range []string{`"two" "strings"`, `"caf\195\169 \255\000 bytes"`} {
		s := zone.RRset{Name: "txt." + testZone, Type: dns.TypeTXT, TTL: 300, Values: []string{`"fine"`, v}}
		before := emu.Requests()
		err := p.Apply(context.Background(), testZone, []plan.Change{{Action: plan.Create, New: &s}})
		if err == nil || !strings.Contains(err.Error(), "nothing written") || emu.Requests() != before {
			t.Errorf("%s: err %v, %d requests", v, err, emu.Requests()-before)
		}
	}
}

// MX, SRV and CAA go through their own fields and come back as the same values.
func TestFields(t *testing.T) {
	_, p := start(t)
	ctx := context.Background()
	sets := []zone.RRset{
		{Name: testZone, Type: dns.TypeMX, TTL: 300, Values: []string{"10 mail.example.test.", "20 mx.example.net."}},
		{Name: "_sip._tcp." + testZone, Type: dns.TypeSRV, TTL: 300, Values: []string{"10 60 5060 sip.example.test."}},
		{Name: testZone, Type: dns.TypeCAA, TTL: 300, Values: []string{`0 issue "letsencrypt.org"`}},
	}
	var cs []plan.Change
	for i := range sets {
		cs = append(cs, plan.Change{Action: plan.Create, New: &sets[i]})
	}
	if err := p.Apply(ctx, testZone, cs); err != nil {
		t.Fatal(err)
	}
	got, err := p.Records(ctx, testZone)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[zone.Key]zone.RRset{}
	for _, s := range got {
		byKey[s.Key()] = s
	}
	for _, want := range sets {
		if g := byKey[want.Key()]; strings.Join(g.Values, "|") != strings.Join(want.Values, "|") {
			t.Errorf("%s: %q, want %q", want.Key(), g.Values, want.Values)
		}
	}
}

func TestErrors(t *testing.T) {
	emu, _ := start(t)
	p, _ := New(Config{Token: "dop_wrong_9876543210", Endpoint: emu.URL})
	_, err := p.Records(context.Background(), testZone)
	hostedtest.WrongToken(t, err, "dop_wrong", "401")
}

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"DIGITALOCEAN_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: digitalocean, token: "${DIGITALOCEAN_TOKEN}"}
  b: {type: digitalocean, token: "${DIGITALOCEAN_TOKEN}", endpoint: "http://127.0.0.1:9"}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Providers["a"].Settings.(*Settings); a.Token.Reveal() != testToken || c.Providers["a"].Spec.Company != "DigitalOcean" {
		t.Errorf("a = %+v", a)
	}
	_, err = configtest.Load(t, types, "  a: {type: digitalocean}\n  b: {type: digitalocean, token: \"${DIGITALOCEAN_TOKEN}\"}\n", env)
	if err == nil || !strings.Contains(err.Error(), `twinzone.yaml:2:6: providers.a: missing key "token", e.g. token: ${DIGITALOCEAN_TOKEN}`) {
		t.Errorf("missing token: %v", err)
	}
}
