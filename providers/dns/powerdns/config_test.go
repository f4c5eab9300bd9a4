package powerdns

import (
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
)

func TestConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"PDNS_API_KEY": "pdns-key-0123456789"}
	c, err := configtest.Load(t, types, `  a: {type: powerdns, api_url: "http://127.0.0.1:8081/", api_key: "${PDNS_API_KEY}"}
  b: {type: powerdns, api_url: "https://pdns.example.net", api_key: "${PDNS_API_KEY}", server_id: other, max_body: 65536}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Providers["a"].Settings.(*Settings)
	if a.APIURL != "http://127.0.0.1:8081" || a.APIKey.Reveal() != env["PDNS_API_KEY"] || a.ServerID != DefaultServerID || a.MaxBody != DefaultMaxBody {
		t.Errorf("a = %+v", a)
	}
	if b := c.Providers["b"].Settings.(*Settings); b.ServerID != "other" || b.MaxBody != 65536 {
		t.Errorf("b = %+v", b)
	}
	for _, tc := range []struct{ block, want string }{
		{`  a: {type: powerdns, api_url: "http://h:8081"}`, `twinzone.yaml:2:6: providers.a: missing key "api_key", e.g. api_key: ${PDNS_API_KEY}`},
		{`  a: {type: powerdns, api_key: "${PDNS_API_KEY}"}`, `twinzone.yaml:2:6: providers.a: missing key "api_url"`},
		{`  a: {type: powerdns, api_url: "h:8081", api_key: "${PDNS_API_KEY}"}`, `twinzone.yaml:2:32: providers.a.api_url: "h:8081" is not an http(s) URL`},
		{`  a: {type: powerdns, api_url: "http://h", api_key: secret}`, `twinzone.yaml:2:53: providers.a.api_key: key "api_key" must reference an environment variable like ${PDNS_API_KEY}`},
		{`  a: {type: powerdns, api_url: "http://h", api_key: "${PDNS_API_KEY}", apikey: x}`, `providers.a: unknown key "apikey" (did you mean "api_key"?)`},
	} {
		_, err := configtest.Load(t, types, tc.block+"\n"+`  b: {type: powerdns, api_url: "http://h", api_key: "${PDNS_API_KEY}"}`+"\n", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.block, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), env["PDNS_API_KEY"]) {
			t.Errorf("error shows the key: %v", err)
		}
	}
}
