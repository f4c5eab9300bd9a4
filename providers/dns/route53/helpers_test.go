package route53

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

const (
	testZone   = "example.com."
	testKeyID  = "AKIDTWINZONETEST"
	testSecret = "s3cr3t-never-in-errors"
)

// TestMain keeps the AWS SDK away from the developer's own configuration and from the network:
// no shared config files, no instance metadata.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "r53test")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ROUTE_53", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testEnv is an emulator with one hosted zone and a provider pointed at it.
type testEnv struct {
	srv *r53emu.Server
	id  string
	p   *Provider
}

func newEnv(t testing.TB, mutate ...func(*Config)) *testEnv {
	t.Helper()
	srv, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	id, err := srv.AddZone(testZone, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		AccessKeyID: testKeyID, SecretAccessKey: testSecret, Endpoint: srv.URL(),
		RateLimit: -1, RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond,
		PollInterval: time.Millisecond, RequestTimeout: 5 * time.Second,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{srv: srv, id: id, p: p}
}

func set(rel string, typ uint16, ttl uint32, values ...string) zone.RRset {
	name := testZone
	if rel != "@" {
		name = rel + "." + testZone
	}
	s := zone.RRset{Name: name, Type: typ, TTL: ttl}
	for _, v := range values {
		rr, err := zone.NewRR(name, ttl, typ, v)
		if err != nil {
			panic(err)
		}
		s.Values = append(s.Values, zone.CanonicalValue(rr))
	}
	zone.Sort([]zone.RRset{s})
	return s
}

// aRecords returns n single-value A RRsets named <prefix>NNNNN.
func aRecords(prefix string, n int) []zone.RRset {
	out := make([]zone.RRset, n)
	for i := range out {
		out[i] = set(fmt.Sprintf("%s%05d", prefix, i), dns.TypeA, 300, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	return out
}

func (e *testEnv) records(t testing.TB) []zone.RRset {
	t.Helper()
	rs, err := e.p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (e *testEnv) plan(t testing.TB, desired []zone.RRset) *plan.Plan {
	t.Helper()
	p, err := plan.Calculate(desired, e.records(t), plan.Options{Origin: testZone, Traits: e.p.Traits()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sync plans desired against the provider and applies the plan.
func (e *testEnv) sync(t testing.TB, desired []zone.RRset) error {
	t.Helper()
	p := e.plan(t, desired)
	return e.p.Apply(context.Background(), testZone, p.Changes)
}

func creates(sets []zone.RRset) []plan.Change {
	out := make([]plan.Change, len(sets))
	for i := range sets {
		out[i] = plan.Change{Action: plan.Create, New: &sets[i]}
	}
	return out
}

// byKey indexes RRsets.
func byKey(sets []zone.RRset) map[zone.Key]zone.RRset {
	m := make(map[zone.Key]zone.RRset, len(sets))
	for _, s := range sets {
		m[s.Key()] = s
	}
	return m
}
