package config_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

const proxiedBase = `providers:
  cf:  {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}"}
  aws: {type: route53, hosted_zone_id: Z1, access_key_id: "${AWS_ACCESS_KEY_ID}", secret_access_key: "${AWS_SECRET_ACCESS_KEY}"}
zones:
  - name: example.com.
    file: zones/example.com.zone
    primary:   {provider: cf}
    secondary: {provider: aws}
`

// The proxied key: typed entries, names made absolute, each with its place in the file.
func TestProxiedDecoded(t *testing.T) {
	c, err := config.LoadWith(writeConfig(t, proxiedBase+`    proxied:
      www: edge
      "@": origin
      api.example.com.: ["192.0.2.10", "2001:db8::10"]
      legacy: off
`), testTypes, testLookup)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Zones[0].Proxied
	want := []config.Proxied{
		{Name: "www.example.com.", Secondary: config.ProxiedEdge, Line: 10, Column: 7},
		{Name: "example.com.", Secondary: config.ProxiedOrigin, Line: 11, Column: 7},
		{Name: "api.example.com.", Secondary: config.ProxiedValues, Values: []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}, Line: 12, Column: 7},
		{Name: "legacy.example.com.", Secondary: config.ProxiedOff, Line: 13, Column: 7},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		g := got[i]
		g.File = ""
		if g.Name != want[i].Name || g.Secondary != want[i].Secondary || !slices.Equal(g.Values, want[i].Values) || g.Line != want[i].Line || g.Column != want[i].Column {
			t.Errorf("entry %d: %+v, want %+v", i, g, want[i])
		}
	}
	if !strings.HasSuffix(got[0].Pos(), "twinzone.yaml:10:7") || got[3].IsProxied() || !got[0].IsProxied() {
		t.Errorf("Pos %s", got[0].Pos())
	}
}

// Bad entries are errors naming file, line and column.
func TestProxiedErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{proxiedBase + "    proxied:\n      www: edgy\n", `twinzone.yaml:11:12: zones[0].proxied.www: "edgy": want origin, edge, off or a list of addresses`},
		{proxiedBase + "    proxied:\n      www: [192.0.2.300]\n", `twinzone.yaml:11:13: zones[0].proxied.www[0]: "192.0.2.300" is not an IP address`},
		{proxiedBase + "    proxied:\n      www.example.org.: edge\n", `twinzone.yaml:11:7: zones[0].proxied.www.example.org.: www.example.org. is not in zone example.com.`},
		{proxiedBase + "    proxied:\n      www: edge\n      www.example.com.: origin\n", `twinzone.yaml:12:7: zones[0].proxied.www.example.com.: www.example.com. is listed twice`},
		{strings.Replace(proxiedBase, "{provider: cf}", "{provider: aws2}", 1) + "    proxied:\n      www: edge\n",
			"proxied names need exactly one cloudflare provider in the zone"},
	} {
		body := strings.Replace(tc.body, "providers:\n", "providers:\n  aws2: {type: route53, hosted_zone_id: Z2, access_key_id: \"${AWS_ACCESS_KEY_ID}\", secret_access_key: \"${AWS_SECRET_ACCESS_KEY}\"}\n", 1)
		_, err := config.LoadWith(writeConfig(t, body), testTypes, testLookup)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}
