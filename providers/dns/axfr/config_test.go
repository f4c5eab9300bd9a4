package axfr

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
)

func TestConfig(t *testing.T) {
	types := []config.ProviderType{rfc2136.ConfigType(), ConfigType()}
	env := map[string]string{"TSIG_KEY": "c2VjcmV0LXRlc3Qta2V5LWZvci10d2luem9uZS0wMTI="}
	c, err := configtest.Load(t, types, `  a: {type: rfc2136, server: "127.0.0.1:5300"}
  b: {type: axfr, server: "127.0.0.1:5301", key_name: tz., key: "${TSIG_KEY}", transfer_timeout: 90s}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Providers["b"].Settings.(*Settings)
	if b.Server != "127.0.0.1:5301" || b.KeyName != "tz." || b.KeyAlg != "hmac-sha256" || b.Key.Reveal() != env["TSIG_KEY"] || b.TransferTimeout != 90*time.Second {
		t.Errorf("b = %+v", b)
	}
	c, err = configtest.Load(t, types, "  a: {type: rfc2136, server: h}\n  b: {type: axfr, server: h2}\n", env)
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Providers["b"].Settings.(*Settings); b.Server != "h2:53" || b.TransferTimeout != DefaultTransferTimeout {
		t.Errorf("defaults: %+v", b)
	}
	for _, tc := range []struct{ block, want string }{
		// A verify-only provider cannot be the side sync writes, and one zone needs a writable side.
		{"  a: {type: axfr, server: h}\n  b: {type: rfc2136, server: h2}\n",
			`twinzone.yaml:7:14: zones[0].primary.provider: provider "a" (type axfr) is verify-only: twinzone never writes it, so it cannot be the primary`},
		{"  a: {type: axfr, server: h}\n  b: {type: axfr, server: h2}\n",
			`twinzone.yaml:7:14: zones[0].primary.provider: providers "a" (type axfr) and "b" (type axfr) are both verify-only`},
		{"  a: {type: rfc2136, server: h}\n  b: {type: axfr}\n", `twinzone.yaml:3:6: providers.b: missing key "server"`},
		{"  a: {type: rfc2136, server: h}\n  b: {type: axfr, server: h, transfer_timeout: soon}\n", `twinzone.yaml:3:48: providers.b.transfer_timeout: "soon" is not a duration`},
		{"  a: {type: rfc2136, server: h}\n  b: {type: axfr, server: h, transfer_timeout: 10ms}\n", `providers.b.transfer_timeout: 10ms is too short: must be at least 1s`},
		{"  a: {type: rfc2136, server: h}\n  b: {type: axfr, server: h, key_name: tz.}\n", `key_name and key go together`},
		{"  a: {type: rfc2136, server: h}\n  b: {type: axfr, server: h, chunk: 5}\n", `providers.b: unknown key "chunk"`},
	} {
		_, err := configtest.Load(t, types, tc.block, env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
	}
}

// TestApplyRefuses: the adapter itself refuses writes (pkg/sync never calls it; this is the
// second line).
func TestApplyRefuses(t *testing.T) {
	p, err := New(Config{Server: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	var ro provider.ReadOnly = p
	if ro.TransferTimeout() != DefaultTransferTimeout {
		t.Errorf("timeout %v", ro.TransferTimeout())
	}
	ch := []plan.Change{{Action: plan.Create, New: &zone.RRset{Name: "a.example.com.", Type: 1, TTL: 60, Values: []string{"192.0.2.1"}}}}
	if err := p.Apply(context.Background(), "example.com.", ch); !errors.Is(err, provider.ErrReadOnly) {
		t.Errorf("Apply = %v, want ErrReadOnly", err)
	}
}
