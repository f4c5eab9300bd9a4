package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

// line replaces line n (1-based) of minimal with s.
func line(n int, s string) string { return edit(map[int]string{n: s}) }

// edit replaces lines of minimal (1-based line number -> new text).
func edit(repl map[int]string) string {
	lines := strings.Split(minimal, "\n")
	for n, s := range repl {
		lines[n-1] = s
	}
	return strings.Join(lines, "\n")
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string // substrings of the error, each with file:line
	}{
		{"unknown top-level key", line(1, "provider:"),
			[]string{`twinzone.yaml:1:1: unknown key "provider" (did you mean "providers"?)`}},
		{"unknown probe key", minimal + "    probe: {intervall: 10s}\n",
			[]string{`twinzone.yaml:9:13: zones[0].probe: unknown key "intervall" (did you mean "interval"?)`}},
		{"unknown provider key", line(2, `  a: {type: cloudflare, apitoken: "${CLOUDFLARE_API_TOKEN}"}`),
			[]string{`twinzone.yaml:2:25: providers.a: unknown key "apitoken" (did you mean "api_token"?)`, `twinzone.yaml:2:6: providers.a: missing key "api_token"`}},
		{"unknown provider type", line(2, "  a: {type: dyn}"),
			[]string{`twinzone.yaml:2:13: providers.a.type: unknown provider type "dyn" (known: axfr, azure, cloudflare, desec, digitalocean, dnsimple, gandi, googleclouddns, hetzner, powerdns, rfc2136, route53, zonefile)`}},
		{"provider with a list as type", line(2, "  a: {type: [zonefile]}"),
			[]string{`twinzone.yaml:2:13: providers.a.type: expected a single value, got a list`}},
		{"provider with an empty type", line(2, "  a: {type: }"),
			[]string{`providers.a.type: empty type`}},
		{"provider without type", line(2, "  a: {path: a.zone}"),
			[]string{`twinzone.yaml:2:6: providers.a: missing key "type"`}},
		{"undefined provider", line(8, "    secondary: {provider: c}"),
			[]string{`twinzone.yaml:8:27: zones[0].secondary.provider: provider "c" is not defined under providers`}},
		{"same provider twice", line(8, "    secondary: {provider: a}"),
			[]string{`twinzone.yaml:8:16: zones[0].secondary.provider: provider "a" is already the primary`}},
		{"duplicate zone", minimal + "  - {name: EXAMPLE.com, file: zones/example.com.zone, primary: {provider: a}, secondary: {provider: b}}\n",
			[]string{`twinzone.yaml:9:12: zones[1].name: zone example.com. is defined twice (first at line 5)`}},
		{"missing zone file", line(6, "    file: zones/missing.zone"),
			[]string{`twinzone.yaml:6:11: zones[0].file: zone file `, `missing.zone does not exist`}},
		{"zone file is a folder", line(6, "    file: zones"),
			[]string{`twinzone.yaml:6:11: zones[0].file: zone file `, `is not a regular file`}},
		{"invalid mode", minimal + "    mode: failover\n",
			[]string{`twinzone.yaml:9:11: zones[0].mode: "failover" is not valid: want active-active, switch`}},
		{"invalid quorum", minimal + "    probe: {quorum: most}\n",
			[]string{`twinzone.yaml:9:21: zones[0].probe.quorum: "most" is not a quorum: want all, majority, any or a positive integer`}},
		{"zero quorum", minimal + "    probe: {quorum: 0}\n",
			[]string{`twinzone.yaml:9:21: zones[0].probe.quorum: "0" is not a quorum`}},
		{"relative nameserver", line(7, "    primary: {provider: a, nameservers: [ns1.example.net]}"),
			[]string{`twinzone.yaml:7:42: zones[0].primary.nameservers[0]: nameserver "ns1.example.net": name must be absolute (end with a dot)`}},
		{"bad nameserver address", line(7, `    primary: {provider: a, nameservers: ["ns1.example.net.=300.1.1.1"]}`),
			[]string{`twinzone.yaml:7:42: zones[0].primary.nameservers[0]: nameserver "ns1.example.net.=300.1.1.1": address "300.1.1.1"`}},
		{"shared nameserver", edit(map[int]string{
			7: "    primary: {provider: a, nameservers: [ns1.example.net.]}",
			8: "    secondary: {provider: b, nameservers: [NS1.example.net.]}"}),
			[]string{`twinzone.yaml:8:16: zones[0].secondary.nameservers: nameserver ns1.example.net. is also a primary nameserver`}},
		{"bad duration", minimal + "    probe: {interval: 10 seconds}\n",
			[]string{`twinzone.yaml:9:23: zones[0].probe.interval: "10 seconds" is not a duration`}},
		{"timeout above interval", minimal + "    probe: {interval: 1s, timeout: 5s}\n",
			[]string{`twinzone.yaml:9:36: zones[0].probe.timeout: 5s is longer than the probe interval 1s`}},
		{"default timeout above interval", minimal + "    probe: {interval: 1s}\n",
			[]string{`twinzone.yaml:9:23: zones[0].probe.timeout: 2s is longer than the probe interval 1s`}},
		{"fraction above 1", minimal + "    safety: {max_change_fraction: 1.5}\n",
			[]string{`twinzone.yaml:9:35: zones[0].safety.max_change_fraction: 1.5 is out of range: must be between 0 and 1`}},
		{"negative count", minimal + "    safety: {min_existing: -1}\n",
			[]string{`twinzone.yaml:9:28: zones[0].safety.min_existing: -1 is out of range: must be at least 0`}},
		{"zero fail_after", minimal + "    probe: {fail_after: 0}\n",
			[]string{`twinzone.yaml:9:25: zones[0].probe.fail_after: 0 is out of range: must be at least 1`}},
		{"not a boolean", minimal + "    failover: {auto: yes}\n",
			[]string{`twinzone.yaml:9:22: zones[0].failover.auto: "yes" is not a boolean: want true or false`}},
		{"missing variable", line(2, `  a: {type: cloudflare, api_token: "${CF_TOKEN}"}`),
			[]string{`twinzone.yaml:2:36: providers.a.api_token: environment variable CF_TOKEN is not set`}},
		{"missing variable in a plain field", line(6, "    file: ${ZONES}/example.com.zone"),
			[]string{`twinzone.yaml:6:11: zones[0].file: environment variable ZONES is not set`}},
		{"empty secret variable", line(2, `  a: {type: cloudflare, api_token: "${EMPTY}"}`),
			[]string{`twinzone.yaml:2:36: providers.a.api_token: environment variable EMPTY is empty`}},
		{"clear-text secret", line(2, `  a: {type: cloudflare, api_token: "abcdef0123456789"}`),
			[]string{`twinzone.yaml:2:36: providers.a.api_token: key "api_token" must reference an environment variable like ${CLOUDFLARE_API_TOKEN}; secrets are not read from the file`}},
		{"secret mixed with text", line(2, `  a: {type: cloudflare, api_token: "Bearer ${CLOUDFLARE_API_TOKEN}"}`),
			[]string{`twinzone.yaml:2:36: providers.a.api_token: key "api_token" must reference an environment variable`}},
		{"clear-text TSIG key", line(2, `  a: {type: rfc2136, server: "127.0.0.1:53", key_name: k., key: "c2VjcmV0"}`),
			[]string{`twinzone.yaml:2:65: providers.a.key: key "key" must reference an environment variable like ${TSIG_KEY}`}},
		{"TSIG key not base64", line(2, `  a: {type: rfc2136, server: "127.0.0.1:53", key_name: k., key: "${NOT_BASE64}"}`),
			[]string{`twinzone.yaml:2:65: providers.a.key: the value of NOT_BASE64 is not a base64 TSIG secret`}},
		{"bad TSIG algorithm", line(2, `  a: {type: rfc2136, server: "127.0.0.1:53", key_name: k., key_alg: hmac-md5, key: "${TSIG_KEY}"}`),
			[]string{`twinzone.yaml:2:69: providers.a.key_alg: "hmac-md5" is not a supported TSIG algorithm`}},
		{"TSIG key without name", line(2, `  a: {type: rfc2136, server: "127.0.0.1:53", key: "${TSIG_KEY}"}`),
			[]string{`twinzone.yaml:2:6: providers.a: key_name and key go together`}},
		{"rfc2136 without server", line(2, `  a: {type: rfc2136}`),
			[]string{`twinzone.yaml:2:6: providers.a: missing key "server"`}},
		{"bad server port", line(2, `  a: {type: rfc2136, server: "127.0.0.1:99999"}`),
			[]string{`twinzone.yaml:2:30: providers.a.server: "127.0.0.1:99999": port must be 1-65535`}},
		{"batch size too large", line(2, `  a: {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}", batch_size: 5000}`),
			[]string{`twinzone.yaml:2:75: providers.a.batch_size: 5000 is out of range: Cloudflare accepts at most 3500`}},
		{"half of the AWS keys", line(2, `  a: {type: route53, access_key_id: "${AWS_ACCESS_KEY_ID}"}`),
			[]string{`twinzone.yaml:2:6: providers.a: access_key_id and secret_access_key go together`}},
		{"endpoint not a URL", line(2, `  a: {type: route53, endpoint: "localhost:9000"}`),
			[]string{`twinzone.yaml:2:32: providers.a.endpoint: "localhost:9000" is not an http(s) URL`}},
		{"undefined registrar", minimal + "    registrar: godaddy\n",
			[]string{`twinzone.yaml:9:16: zones[0].registrar: registrar "godaddy" is not defined under registrars`}},
		{"unknown registrar type", "registrars:\n  r: {type: enom}\n" + minimal,
			[]string{`twinzone.yaml:2:13: registrars.r.type: unknown registrar type "enom"`}},
		{"exec registrar without command", "registrars:\n  r: {type: exec, command: []}\n" + minimal,
			[]string{`twinzone.yaml:2:6: registrars.r: exec needs command`}},
		{"exec env not a variable name", "registrars:\n  r: {type: exec, command: [x], env: [OK_1, \"A-B\"]}\n" + minimal,
			[]string{`twinzone.yaml:2:45: registrars.r.env[1]: "A-B" is not an environment variable name`}},
		{"porkbun without secret key", "registrars:\n  r: {type: porkbun, api_key: \"${PORKBUN_API_KEY}\"}\n" + minimal,
			[]string{`twinzone.yaml:2:6: registrars.r: missing key "secret_api_key"`}},
		{"YAML syntax error", minimal + "    mode: [switch\n",
			[]string{`twinzone.yaml:`, `invalid YAML`}},
		{"tab indentation", "providers:\n\ta: {type: zonefile}\n",
			[]string{`twinzone.yaml:2: invalid YAML: found character that cannot start any token`}},
		{"duplicate key", minimal + "    mode: switch\n    mode: switch\n",
			[]string{`twinzone.yaml:10:5: zones[0]: duplicate key "mode" (first at line 9)`}},
		{"secret variable in a plain field", line(2, `  a: {type: route53, endpoint: "${CLOUDFLARE_API_TOKEN}"}`),
			[]string{`twinzone.yaml:2:32: providers.a.endpoint: "${CLOUDFLARE_API_TOKEN}" is not an http(s) URL`}},
		{"variable in a bad nameserver", line(7, `    primary: {provider: a, nameservers: ["ns1.example.net.=${TSIG_KEY}"]}`),
			[]string{`twinzone.yaml:7:42: zones[0].primary.nameservers[0]: nameserver "ns1.example.net.=${TSIG_KEY}"`}},
		{"zonefile provider over the source", line(3, "  b: {type: zonefile, path: zones/example.com.zone}"),
			[]string{`twinzone.yaml:3:3: providers.b: path `, `zones/example.com.zone is the source file of zone example.com.: sync would overwrite it`}},
		{"two zonefile providers, one file", line(3, "  b: {type: zonefile, path: ./a.zone}"),
			[]string{`twinzone.yaml:3:3: providers.b: path `, `a.zone is also the path of provider "a"`}},
		{"list instead of mapping", "providers: [a, b]\nzones: []\n",
			[]string{`twinzone.yaml:1:12: providers: expected a mapping, got a list`}},
		{"mapping instead of value", minimal + "    mode: {a: b}\n",
			[]string{`twinzone.yaml:9:11: zones[0].mode: expected a single value, got a mapping`}},
		{"zone as a plain name", edit(map[int]string{5: "  - example.com.", 6: "", 7: "", 8: ""}),
			[]string{`twinzone.yaml:5:5: zones[0]: expected a mapping (name, file, primary, secondary, ...), got a scalar`}},
		{"zone name from an unset variable", line(5, "  - name: ${ZONE}"),
			[]string{`twinzone.yaml:5:11: zones[0].name: environment variable ZONE is not set`}},
		{"zone without name", edit(map[int]string{5: "  - file: zones/example.com.zone", 6: ""}),
			[]string{`twinzone.yaml:5:5: zones[0]: missing key "name"`}},
		{"zone without providers", "providers: {}\nzones:\n  - {name: example.com., file: zones/example.com.zone}\n",
			[]string{`twinzone.yaml:3:5: zones[0]: missing key "primary"`, `twinzone.yaml:3:5: zones[0]: missing key "secondary"`}},
		{"invalid zone name", line(5, "  - name: exa mple.com."),
			[]string{`twinzone.yaml:5:11: zones[0].name: "exa mple.com." is not a valid zone name`}},
		{"bad ignore type", minimal + "    ignore: [{name: www, type: BOGUS}]\n",
			[]string{`twinzone.yaml:9:32: zones[0].ignore[0].type: unknown record type "BOGUS"`}},
		{"bad control target", "controller: {control_targets: [not-an-ip]}\n" + minimal,
			[]string{`twinzone.yaml:1:32: controller.control_targets[0]: address "not-an-ip": want ip, ip:port or [v6]:port`}},
		{"bad listen", "controller: {listen: localhost}\n" + minimal,
			[]string{`twinzone.yaml:1:22: controller.listen: "localhost": want host:port`}},
		{"no zones", "providers: {}\nzones: []\n",
			[]string{`twinzone.yaml:2:8: zones: no zones: define at least one zone`}},
		{"empty file", "# nothing\n",
			[]string{`twinzone.yaml: the file is empty`}},
		{"two documents", minimal + "---\nzones: []\n",
			[]string{`twinzone.yaml:9:1: more than one YAML document`}},
		{"bad provider name", line(2, "  a/b: {type: zonefile, path: a.zone}"),
			[]string{`twinzone.yaml:2:3: providers: provider name "a/b"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			c, err := config.LoadWith(path, testTypes, testLookup)
			if err == nil {
				t.Fatalf("loaded without error: %+v", c)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			checkErrorShape(t, err, path)
			if strings.Contains(tc.name, "type") && strings.Contains(msg, "is not defined") {
				t.Errorf("a broken provider or registrar is also reported as undefined:\n%s", msg)
			}
		})
	}
}

// checkErrorShape asserts that every reported problem names the file and no secret value.
func checkErrorShape(t *testing.T, err error, path string) {
	t.Helper()
	var list *config.Errors
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want *Errors", err)
	}
	if len(list.List) == 0 {
		t.Fatal("empty error list")
	}
	for _, e := range list.List {
		if e.File != path || !strings.HasPrefix(e.Error(), path+":") {
			t.Errorf("error without file name: %q", e.Error())
		}
	}
	for name, v := range testSecrets {
		if len(v) > 8 && strings.Contains(err.Error(), v) {
			t.Errorf("error shows the value of %s: %s", name, err)
		}
	}
}

func TestManyErrorsCollected(t *testing.T) {
	body := `providers:
  a: {type: dyn}
  b: {type: zonefile, path: b.zone, colour: blue}
zones:
  - name: example.com.
    file: zones/nope.zone
    primary: {provider: a}
    secondary: {provider: c}
    mode: sideways
    probe: {interval: soon, quorum: most}
`
	path := writeConfig(t, body)
	_, err := config.LoadWith(path, testTypes, testLookup)
	var list *config.Errors
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	want := []string{":2:", ":3:", ":6:", ":8:", ":9:", ":10:", ":10:"}
	if len(list.List) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list.List), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(list.List[i].Error(), w) {
			t.Errorf("error %d = %q, want it at %s (sorted by position)", i, list.List[i], w)
		}
	}
	var one *config.Error
	if !errors.As(err, &one) || one.Line != 2 {
		t.Errorf("errors.As(*Error) = %v", one)
	}
}

func TestErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	b.WriteString("    probe:\n")
	for i := range 30 {
		b.WriteString("      bogus" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": 1\n")
	}
	_, err := config.LoadWith(writeConfig(t, b.String()), testTypes, testLookup)
	var list *config.Errors
	if !errors.As(err, &list) || len(list.List) != config.MaxErrors || list.More != 30-config.MaxErrors {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasSuffix(err.Error(), "... and 10 more errors") {
		t.Errorf("no summary line: %s", err)
	}
}
