package libdnstest

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libdns/cloudflare"
	ldt "github.com/libdns/libdns/libdnstest"
	"github.com/libdns/route53"

	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// testZone is the zone both emulators serve to the suite.
const testZone = "example.com."

// rewrite sends every request libdns/cloudflare makes to its constant base URL
// (https://api.cloudflare.com/client/v4) to the emulator instead.
type rewrite struct {
	base *url.URL // the emulator's base URL, ending in /client/v4
}

func (r rewrite) Do(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.Scheme, u.Host = r.base.Scheme, r.base.Host
	req = req.Clone(req.Context())
	req.URL, req.Host = &u, r.base.Host
	return http.DefaultClient.Do(req)
}

// cloudflareTarget is libdns/cloudflare v0.2.2 pointed at a fresh cfemu.
func cloudflareTarget(t *testing.T) target {
	const token = "libdnstest-token"
	emu := cfemu.New(cfemu.Options{Token: token, Budget: -1})
	t.Cleanup(emu.Close)
	emu.AddZone(testZone)
	base, err := url.Parse(emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &cloudflare.Provider{APIToken: token, HTTPClient: rewrite{base}}
	return target{p: p, suite: ldt.NewTestSuite(p, testZone)}
}

// route53Target is libdns/route53 v1.6.2 pointed at a fresh r53emu through
// AWS_ENDPOINT_URL_ROUTE_53, with static credentials and no shared config files.
func route53Target(t *testing.T) target {
	srv, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	id, err := srv.AddZone(testZone, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_ROUTE_53":   srv.URL(),
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PROFILE":                 "",
		"AWS_ENDPOINT_URL":            "",
	} {
		t.Setenv(k, v)
	}
	p := &route53.Provider{
		Region:          "us-east-1",
		AccessKeyId:     "AKIDLIBDNSTEST",
		SecretAccessKey: "libdnstest-secret",
		HostedZoneID:    strings.TrimPrefix(id, "/hostedzone/"),
		MaxRetries:      1,
	}
	zoneID := strings.TrimPrefix(id, "/hostedzone/")
	seed := func(t *testing.T, name string) {
		err := srv.Put(zoneID, r53emu.RRset{Name: name + "." + testZone, Type: "A",
			Alias: &r53emu.Alias{HostedZoneID: "Z2FDTNDATAQYW2", DNSName: "d111111abcdef8.cloudfront.net."}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return target{p: p, suite: ldt.NewTestSuite(ldt.WrapNoZoneLister(p), testZone), seedAlias: seed}
}

var targets = map[string]func(*testing.T) target{
	"cloudflare": cloudflareTarget,
	"route53":    route53Target,
}

// TestChild runs libdns's suite against the provider named by $LIBDNSTEST_CHILD. It does
// nothing unless TestLibdns started it (in a child process, so that the suite's expected
// failures can be asserted rather than fail this test binary).
func TestChild(t *testing.T) {
	name := os.Getenv(childEnv)
	if name == "" {
		return
	}
	newTarget, ok := targets[name]
	if !ok {
		t.Fatalf("unknown provider %q", name)
	}
	t.Run("libdnstest", func(t *testing.T) { newTarget(t).suite.RunTests(t) })
	t.Run("contract", func(t *testing.T) { contractChecks(t, newTarget(t)) })
}

const childEnv = "LIBDNSTEST_CHILD"
