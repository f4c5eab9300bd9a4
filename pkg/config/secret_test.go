package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSecretRedaction(t *testing.T) {
	c, err := LoadWith(writeConfig(t, fullConfig), testLookup)
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outputs = append(outputs,
			fmt.Sprintf(format, c),
			fmt.Sprintf(format, *c),
			fmt.Sprintf(format, c.Controller),
			fmt.Sprintf(format, *c.Providers["cf"].Cloudflare),
			fmt.Sprintf(format, *c.Providers["aws"].Route53),
			fmt.Sprintf(format, *c.Providers["lab"].RFC2136),
			fmt.Sprintf(format, *c.Registrars["pb"].Porkbun),
			fmt.Sprintf(format, *c.Registrars["gandi"].Gandi),
			fmt.Sprintf(format, c.Providers["cf"].Cloudflare.APIToken),
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
		l.Info("loaded", "token", c.Providers["cf"].Cloudflare.APIToken, "cf", c.Providers["cf"].Cloudflare, "controller", c.Controller)
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
	if got := fmt.Sprintf("%v|%s|%q", Secret{}, Secret{}, Secret{}); got != `||""` {
		t.Errorf("unset secret prints %q", got)
	}
}

func TestSecretAccessors(t *testing.T) {
	s := NewSecret("value", "VAR")
	if s.Reveal() != "value" || s.Ref() != "VAR" || !s.IsSet() || s.String() != "[redacted]" {
		t.Errorf("secret accessors: %q %q %v %q", s.Reveal(), s.Ref(), s.IsSet(), s.String())
	}
	// A Secret in an unexported field is out of Format's reach; it still must not print.
	type holder struct {
		tok  Secret
		toks []Secret
		m    map[string]Secret
	}
	hidden := NewSecret("s3cr3t-v4lue", "VAR")
	h := holder{tok: hidden, toks: []Secret{hidden}, m: map[string]Secret{"k": hidden}}
	for _, f := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(f, h); strings.Contains(out, "s3cr3t-v4lue") {
			t.Errorf("%s of an unexported Secret field shows the value: %s", f, out)
		}
	}
	if (Secret{}).IsSet() || (Secret{}).Reveal() != "" || (Secret{}).Ref() != "" {
		t.Error("zero secret is set")
	}
}
