package check

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/route53"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
	"github.com/twinzone/twinzone/providers/registrar/route53domains"
	"github.com/twinzone/twinzone/providers/registrar/route53domains/r53demu"
)

const (
	cfToken   = "cf-token-right-0123456789"
	awsKeyID  = "AKIDCHECKTEST"
	awsSecret = "aws-secret-never-printed"
)

// cloudEnv is a Cloudflare emulator, a Route 53 emulator and a Route 53 Domains emulator,
// each holding the test zone, and a fixture whose providers and registrar point at them.
type cloudEnv struct {
	f    *fixture
	cf   *cfemu.Server
	cfz  string // the test zone's ID on cf
	r53  *r53emu.Server
	dom  *r53demu.Server
	r53z string
}

func newCloudEnv(t *testing.T, mode config.Mode) *cloudEnv {
	t.Helper()
	e := &cloudEnv{f: newFixture(t, mode)}
	e.cf = cfemu.New(cfemu.Options{Token: cfToken, Budget: -1})
	t.Cleanup(e.cf.Close)
	e.cfz = e.cf.AddZone(testZone)
	var err error
	if e.r53, err = r53emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.r53.Close)
	if e.r53z, err = e.r53.AddZone(testZone, false); err != nil {
		t.Fatal(err)
	}
	e.dom = r53demu.New()
	e.dom.SetDomain(strings.TrimSuffix(testZone, "."), r53demu.Nameserver{Name: "ada.ns.cloudflare.com"}, r53demu.Nameserver{Name: "ns-1.awsdns-01.org"})
	domSrv := httptest.NewServer(e.dom)
	t.Cleanup(domSrv.Close)

	secret := func(v, ref string) config.Secret { return config.NewSecret(v, ref) }
	e.f.cfg.Providers["a"] = testProvider("a", "cloudflare", &cloudflare.Settings{
		APIToken: secret(cfToken, "${CLOUDFLARE_API_TOKEN}"), Endpoint: e.cf.URL, BatchSize: cloudflare.DefaultBatchSize})
	e.f.cfg.Providers["b"] = testProvider("b", "route53", &route53.Settings{HostedZoneID: e.r53z, AWS: config.AWS{
		Region: "us-east-1", Endpoint: e.r53.URL(),
		AccessKeyID: secret(awsKeyID, "${AWS_ACCESS_KEY_ID}"), SecretAccessKey: secret(awsSecret, "${AWS_SECRET_ACCESS_KEY}")}})
	e.f.cfg.Registrars["domains"] = testRegistrar("domains", "route53domains", &route53domains.Settings{AWS: config.AWS{Region: "us-east-1", Endpoint: domSrv.URL,
		AccessKeyID: secret(awsKeyID, "${AWS_ACCESS_KEY_ID}"), SecretAccessKey: secret(awsSecret, "${AWS_SECRET_ACCESS_KEY}")}})
	e.f.zone.Registrar = "domains"
	e.f.zone.Primary.Nameservers = nameserver.Set{{Name: "ada.ns.cloudflare.com."}}
	e.f.zone.Secondary.Nameservers = nameserver.Set{{Name: "ns-1.awsdns-01.org."}}
	return e
}

// credentials runs only the credentials check.
func (e *cloudEnv) credentials(t *testing.T) []Finding {
	t.Helper()
	ctx := context.Background()
	fs := checkCredentials(ctx, &e.f.opts, e.f.zone, openProviders(ctx, &e.f.opts, e.f.zone))
	for _, f := range fs {
		for _, s := range []string{cfToken, awsSecret} {
			if strings.Contains(f.Message+f.Fix, s) {
				t.Errorf("a finding holds a secret: %s", f.Message)
			}
		}
	}
	return fs
}

func TestCredentialsAgainstEmulators(t *testing.T) {
	t.Run("all readable", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		fs := e.credentials(t)
		want(t, fs, "a", OK, "primary provider a (cloudflare): read", "(read-only call)")
		want(t, fs, "b", OK, "secondary provider b (route53): read")
		want(t, fs, "domains", OK, "holds the delegation: ada.ns.cloudflare.com. ns-1.awsdns-01.org.")
		if n := e.dom.Requests("GetDomainDetail"); n != 1 {
			t.Errorf("GetDomainDetail called %d times, want 1", n)
		}
		if n := e.dom.Requests("UpdateDomainNameservers"); n != 0 {
			t.Errorf("check changed the delegation (%d UpdateDomainNameservers)", n)
		}
	})
	t.Run("wrong Cloudflare token", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.f.cfg.Providers["a"].Settings.(*cloudflare.Settings).APIToken = config.NewSecret("wrong-token-value", "${CLOUDFLARE_API_TOKEN}")
		fs := e.credentials(t)
		f := want(t, fs, "a", Fail, "reading the records failed", "Zone:DNS:Edit")
		if strings.Contains(f.Message, "wrong-token-value") {
			t.Errorf("the token is in the message: %s", f.Message)
		}
		want(t, fs, "b", OK)
	})
	t.Run("wrong hosted zone", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.f.cfg.Providers["b"].Settings.(*route53.Settings).HostedZoneID = "ZNOSUCHZONE0000"
		want(t, e.credentials(t), "b", Fail, "reading the records failed", "hosted_zone_id")
	})
	t.Run("domain not in the registrar account", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.dom.SetDomain("example.test") // no nameservers: still registered
		e.f.zone.Name = "other.test."
		want(t, e.credentials(t), "domains", Fail, "reading the nameservers of other.test. failed", "route53domains:GetDomainDetail")
	})
	t.Run("registrar delegates elsewhere", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.dom.SetDomain("example.test", r53demu.Nameserver{Name: "ns1.elsewhere.example"})
		want(t, e.credentials(t), "domains", Warn, "none of the configured nameservers")
	})
	t.Run("undefined provider and no registrar", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.f.zone.Secondary.Provider = "missing"
		e.f.zone.Registrar = ""
		fs := e.credentials(t)
		want(t, fs, "missing", Fail, "not defined")
		want(t, fs, "", Warn, "failover is impossible")
	})
	t.Run("registrar that cannot read", func(t *testing.T) {
		e := newCloudEnv(t, config.ModeActiveActive)
		e.f.opts.OpenRegistrar = func(context.Context, *config.Registrar) (registrar.Registrar, error) {
			return unsupportedRegistrar{}, nil
		}
		want(t, e.credentials(t), "domains", Warn, "cannot read the delegation")
	})
}

type unsupportedRegistrar struct{}

func (unsupportedRegistrar) Nameservers(context.Context, string) ([]string, error) {
	return nil, errors.Join(errors.New("exec: no read command"), registrar.ErrUnsupported)
}

func (unsupportedRegistrar) SetNameservers(context.Context, string, nameserver.Set) (registrar.Operation, error) {
	return registrar.Operation{}, errors.New("not in tests")
}
