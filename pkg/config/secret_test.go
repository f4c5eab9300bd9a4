package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/providers/dns/cloudflare"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
	"github.com/twinzone/twinzone/providers/dns/route53"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/porkbun"
)

func TestSecretRedaction(t *testing.T) {
	c, err := config.LoadWith(writeConfig(t, fullConfig), testTypes, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outputs = append(outputs,
			fmt.Sprintf(format, c),
			fmt.Sprintf(format, *c),
			fmt.Sprintf(format, c.Controller),
			fmt.Sprintf(format, *c.Providers["cf"].Settings.(*cloudflare.Settings)),
			fmt.Sprintf(format, *c.Providers["aws"].Settings.(*route53.Settings)),
			fmt.Sprintf(format, *c.Providers["lab"].Settings.(*rfc2136.Settings)),
			fmt.Sprintf(format, *c.Registrars["pb"].Settings.(*porkbun.Settings)),
			fmt.Sprintf(format, *c.Registrars["gandi"].Settings.(*gandi.Settings)),
			fmt.Sprintf(format, *c.Registrars["pb"]),
			fmt.Sprintf(format, c.Providers["cf"].Settings.(*cloudflare.Settings).APIToken),
		)
	}
	whole, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(whole))
	for _, v := range []any{c.Providers, c.Registrars, c.Controller} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}
	y, err := yaml.Marshal(c.Providers)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(y))
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("loaded", "token", c.Providers["cf"].Settings.(*cloudflare.Settings).APIToken, "cf", c.Providers["cf"].Settings, "controller", c.Controller)
	}
	outputs = append(outputs, logs.String())

	for i, out := range outputs {
		for name, v := range testSecrets {
			if len(v) > 8 && name != "NOT_BASE64" && name != "ZONE_DIR" && strings.Contains(out, v) {
				t.Errorf("output %d shows the value of %s: %s", i, name, out)
			}
		}
	}
	if !strings.Contains(string(whole), `"APIToken":"[redacted]"`) || !strings.Contains(logs.String(), "token=[redacted]") {
		t.Errorf("redaction marker missing:\n%s\n%s", whole, logs.String())
	}
	if got := fmt.Sprintf("%v|%s|%q", config.Secret{}, config.Secret{}, config.Secret{}); got != `||""` {
		t.Errorf("unset secret prints %q", got)
	}
}

func TestSecretAccessors(t *testing.T) {
	s := config.NewSecret("value", "VAR")
	if s.Reveal() != "value" || s.Ref() != "VAR" || !s.IsSet() || s.String() != "[redacted]" {
		t.Errorf("secret accessors: %q %q %v %q", s.Reveal(), s.Ref(), s.IsSet(), s.String())
	}
	// A config.Secret in an unexported field is out of Format's reach; it still must not print.
	type holder struct {
		tok  config.Secret
		toks []config.Secret
		m    map[string]config.Secret
	}
	hidden := config.NewSecret("s3cr3t-v4lue", "VAR")
	h := holder{tok: hidden, toks: []config.Secret{hidden}, m: map[string]config.Secret{"k": hidden}}
	for _, f := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(f, h); strings.Contains(out, "s3cr3t-v4lue") {
			t.Errorf("%s of an unexported Secret field shows the value: %s", f, out)
		}
	}
	if (config.Secret{}).IsSet() || (config.Secret{}).Reveal() != "" || (config.Secret{}).Ref() != "" {
		t.Error("zero secret is set")
	}
}
