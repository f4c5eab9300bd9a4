package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

// exampleSettings is a provider type that exists only in this test: the config package decodes
// it from the table it is given, with no code of its own.
type exampleSettings struct {
	Key      config.Secret
	Endpoint string
	Shards   int
	Server   string
	Dir      string
}

func exampleType() config.ProviderType {
	return config.ProviderType{Name: "example", Company: "Example Inc.", CredentialHint: "check the key",
		Decode: func(f *config.Fields) any {
			s := &exampleSettings{Shards: 4}
			f.Secret("key", "EXAMPLE_KEY", &s.Key)
			f.URL("endpoint", &s.Endpoint)
			f.IntMax("shards", 1, 8, &s.Shards, "Example has 8 shards")
			f.HostPort("server", 8081, &s.Server)
			f.Path("dir", &s.Dir)
			f.Require("key", "EXAMPLE_KEY", &s.Key)
			f.Check(func() {
				if s.Shards == 3 && !f.Reported("shards") {
					f.Errorf("3 shards are unlucky")
				}
			})
			return s
		}}
}

func TestTableProviderType(t *testing.T) {
	types := config.Types{Providers: []config.ProviderType{exampleType()}}
	body := line(2, `  a: {type: Example, key: "${CLOUDFLARE_API_TOKEN}", server: 127.0.0.1, dir: d, shards: 8}`)
	body = strings.Replace(body, "  b: {type: zonefile, path: b.zone}", `  b: {type: example, key: "${TSIG_KEY}"}`, 1)
	c, err := config.LoadWith(writeConfig(t, body), types, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Providers["a"]
	s, ok := a.Settings.(*exampleSettings)
	if !ok || a.Type != "example" || a.Spec == nil || a.Spec.Company != "Example Inc." ||
		s.Key.Reveal() != testSecrets["CLOUDFLARE_API_TOKEN"] || s.Server != "127.0.0.1:8081" || s.Shards != 8 ||
		!strings.HasSuffix(s.Dir, "/d") {
		t.Errorf("a = %+v, settings %+v", a, a.Settings)
	}
	if b := c.Providers["b"].Settings.(*exampleSettings); b.Shards != 4 {
		t.Errorf("default shards = %d", b.Shards)
	}

	for _, tc := range []struct{ name, line, want string }{
		{"zonefile is not in this table", "  a: {type: zonefile, path: a.zone}",
			`twinzone.yaml:2:13: providers.a.type: unknown provider type "zonefile" (known: example)`},
		{"missing secret", "  a: {type: example}", `twinzone.yaml:2:6: providers.a: missing key "key", e.g. key: ${EXAMPLE_KEY}`},
		{"over the maximum", `  a: {type: example, key: "${TSIG_KEY}", shards: 9}`,
			`twinzone.yaml:2:50: providers.a.shards: 9 is out of range: Example has 8 shards`},
		{"check", `  a: {type: example, key: "${TSIG_KEY}", shards: 3}`, `twinzone.yaml:2:6: providers.a: 3 shards are unlucky`},
		{"bad port", `  a: {type: example, key: "${TSIG_KEY}", server: "h:0"}`, `twinzone.yaml:2:50: providers.a.server: "h:0": port must be 1-65535`},
		{"unknown key", `  a: {type: example, key: "${TSIG_KEY}", shard: 3}`, `twinzone.yaml:2:42: providers.a: unknown key "shard" (did you mean "shards"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(line(2, tc.line), "  b: {type: zonefile, path: b.zone}", `  b: {type: example, key: "${TSIG_KEY}"}`, 1)
			_, err := config.LoadWith(writeConfig(t, body), types, testLookup)
			var list *config.Errors
			if !errors.As(err, &list) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}
