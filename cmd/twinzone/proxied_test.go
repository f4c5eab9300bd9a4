package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

// edgeServer plays Cloudflare's nameserver for a proxied name: it answers authoritatively
// with the edge's addresses, as Cloudflare does for proxied records.
func edgeServer(t *testing.T, name string, a, aaaa string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		q := r.Question[0]
		if strings.EqualFold(q.Name, name) {
			switch q.Qtype {
			case dns.TypeA:
				rr, _ := dns.NewRR(name + " 300 IN A " + a)
				m.Answer = append(m.Answer, rr)
			case dns.TypeAAAA:
				rr, _ := dns.NewRR(name + " 300 IN AAAA " + aaaa)
				m.Answer = append(m.Answer, rr)
			}
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	failed := make(chan error, 1)
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-failed:
		t.Fatalf("edge server: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("edge server did not start")
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

const proxiedZone = `$TTL 300
@    IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
www  IN A    192.0.2.10
www  IN AAAA 2001:db8::10
mail IN A    192.0.2.25
`

// A proxied record syncs and re-plans empty for each choice of what the secondary serves,
// end to end through the CLI: Cloudflare holds it proxied (TTL automatic), Route 53 holds the
// origin, the edge's or the configured addresses; and `off` turns a dashboard proxy off.
func TestProxiedSecondaryChoices(t *testing.T) {
	t.Setenv("TZ_CF", "cf-token-proxied")
	t.Setenv("TZ_AWS_ID", "AKIDPROXIEDTEST")
	t.Setenv("TZ_AWS_SECRET", "aws-secret-proxied")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	edge := edgeServer(t, "www.example.test.", "104.16.1.1", "2606:4700::1")
	for _, tc := range []struct {
		name    string
		choice  string
		seedPxy bool     // the record is proxied in the dashboard before the sync
		proxied bool     // Cloudflare holds it proxied after the sync
		r53     []string // what Route 53 holds for www after the sync
	}{
		{"origin", "origin", false, true, []string{"192.0.2.10", "2001:db8::10"}},
		{"edge", "edge", false, true, []string{"104.16.1.1", "2606:4700::1"}},
		{"values", `["198.51.100.7", "2001:db8::77"]`, false, true, []string{"198.51.100.7", "2001:db8::77"}},
		{"off", "off", true, false, []string{"192.0.2.10", "2001:db8::10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cf := cfemu.New(cfemu.Options{Token: "cf-token-proxied"})
			defer cf.Close()
			cfZone := cf.AddZone("example.test")
			if tc.seedPxy {
				if _, err := cf.Seed(cfZone, cfemu.Record{Name: "www", Type: "A", Content: "192.0.2.10", Proxied: true, Comment: "set in the dashboard"}); err != nil {
					t.Fatal(err)
				}
			}
			r53, err := r53emu.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer r53.Close()
			r53Zone, err := r53.AddZone("example.test.", false)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "twinzone.yaml")
			writeFiles(t, dir, map[string]string{
				"example.test.zone": proxiedZone,
				"twinzone.yaml": fmt.Sprintf(`state_dir: state
providers:
  cf:  {type: cloudflare, api_token: "${TZ_CF}", zone_id: %s, endpoint: "%s"}
  r53: {type: route53, hosted_zone_id: %s, access_key_id: "${TZ_AWS_ID}", secret_access_key: "${TZ_AWS_SECRET}", endpoint: "%s"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: cf, nameservers: ["ada.ns.cloudflare.com.=%s"]}
    secondary: {provider: r53, nameservers: ["ns-1.awsdns-01.org.=127.0.0.1:9"]}
    proxied:
      www: %s
`, cfZone, cf.URL, r53Zone, r53.URL(), edge, tc.choice),
			})
			if code, out, errs := runCLI(t, "sync", "--config", cfgPath); code != 0 {
				t.Fatalf("sync exit %d\n%s\n%s", code, out, errs)
			}
			n := 0
			for _, r := range cf.Records(cfZone) {
				if r.Name != "www.example.test" {
					continue
				}
				n++
				if r.Proxied != tc.proxied || (tc.proxied && r.TTL != 1) || (!tc.proxied && r.TTL != 300) {
					t.Errorf("Cloudflare holds %+v", r)
				}
				if tc.seedPxy && r.Type == "A" && r.Comment != "set in the dashboard" {
					t.Errorf("the dashboard comment was lost: %+v", r)
				}
			}
			if n != 2 {
				t.Errorf("Cloudflare holds %d www records", n)
			}
			var got []string
			for _, s := range r53.RRsets(r53Zone) {
				if s.Name == "www.example.test." {
					got = append(got, s.Values...)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.r53))
			if !slices.Equal(got, want) {
				t.Errorf("Route 53 serves www as %v, want %v", got, want)
			}
			if code, out, errs := runCLI(t, "plan", "--config", cfgPath, "--exit-code"); code != 0 {
				t.Errorf("re-plan exit %d (want 0, nothing to change)\n%s\n%s", code, out, errs)
			}
		})
	}
}

// An edge that cannot be learnt stops the secondary's sync (it would serve the origin), with a
// clear error; Cloudflare is still synced.
func TestProxiedEdgeUnknownStopsSecondaryOnly(t *testing.T) {
	t.Setenv("TZ_CF", "cf-token-proxied")
	t.Setenv("TZ_AWS_ID", "AKIDPROXIEDTEST")
	t.Setenv("TZ_AWS_SECRET", "aws-secret-proxied")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cf := cfemu.New(cfemu.Options{Token: "cf-token-proxied"})
	defer cf.Close()
	cfZone := cf.AddZone("example.test")
	r53, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer r53.Close()
	r53Zone, _ := r53.AddZone("example.test.", false)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // bound, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "twinzone.yaml")
	writeFiles(t, dir, map[string]string{
		"example.test.zone": proxiedZone,
		"twinzone.yaml": fmt.Sprintf(`state_dir: state
providers:
  cf:  {type: cloudflare, api_token: "${TZ_CF}", zone_id: %s, endpoint: "%s"}
  r53: {type: route53, hosted_zone_id: %s, access_key_id: "${TZ_AWS_ID}", secret_access_key: "${TZ_AWS_SECRET}", endpoint: "%s"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: cf, nameservers: ["ada.ns.cloudflare.com.=%s"]}
    secondary: {provider: r53}
    proxied: {www: edge}
`, cfZone, cf.URL, r53Zone, r53.URL(), pc.LocalAddr()),
	})
	code, out, errs := runCLI(t, "sync", "--config", cfgPath)
	if code != 1 {
		t.Fatalf("sync exit %d, want 1\n%s\n%s", code, out, errs)
	}
	mustContain(t, "sync output", out+errs, "www.example.test. (proxied, secondary: edge): cannot learn the addresses Cloudflare's edge answers")
	if len(cf.Records(cfZone)) == 0 {
		t.Error("Cloudflare was not synced")
	}
	for _, s := range r53.RRsets(r53Zone) {
		if s.Name == "www.example.test." {
			t.Errorf("Route 53 got www: %+v", s)
		}
	}
}

// A proxied entry for a name the zone file lacks is refused before any network call, naming
// the config's file, line and column.
func TestProxiedNameMustExist(t *testing.T) {
	t.Setenv("TZ_CF", "cf-token-proxied")
	t.Setenv("TZ_AWS_ID", "AKIDPROXIEDTEST")
	t.Setenv("TZ_AWS_SECRET", "aws-secret-proxied")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "twinzone.yaml")
	writeFiles(t, dir, map[string]string{
		"example.test.zone": proxiedZone,
		"twinzone.yaml": `providers:
  cf:  {type: cloudflare, api_token: "${TZ_CF}", zone_id: z1, endpoint: "http://127.0.0.1:9/client/v4"}
  r53: {type: route53, hosted_zone_id: Z1, access_key_id: "${TZ_AWS_ID}", secret_access_key: "${TZ_AWS_SECRET}", endpoint: "http://127.0.0.1:9"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: cf}
    secondary: {provider: r53}
    proxied:
      shop: edge
`,
	})
	code, out, errs := runCLI(t, "validate", "--config", cfgPath)
	if code != 1 {
		t.Fatalf("validate exit %d\n%s\n%s", code, out, errs)
	}
	mustContain(t, "validate output", out+errs, "twinzone.yaml:10:7: proxied shop.example.test.:", "has no A, AAAA or CNAME record to proxy")
}

// `import` from Cloudflare of an apex CNAME (which Cloudflare flattens) writes a zone file that
// loads: the flattened A/AAAA its nameservers answer; without them it refuses, saying why.
func TestImportFlattensApexCNAME(t *testing.T) {
	t.Setenv("TZ_CF", "cf-token-proxied")
	t.Setenv("TZ_AWS_ID", "AKIDPROXIEDTEST")
	t.Setenv("TZ_AWS_SECRET", "aws-secret-proxied")
	cf := cfemu.New(cfemu.Options{Token: "cf-token-proxied"})
	defer cf.Close()
	cfZone := cf.AddZone("example.test")
	for _, r := range []cfemu.Record{
		{Name: "@", Type: "CNAME", Content: "lb.example.net", TTL: 1},
		{Name: "www", Type: "A", Content: "192.0.2.10", TTL: 300},
		{Name: "shop", Type: "A", Content: "192.0.2.20", Proxied: true},
	} {
		if _, err := cf.Seed(cfZone, r); err != nil {
			t.Fatal(err)
		}
	}
	edge := edgeServer(t, "example.test.", "203.0.113.5", "2001:db8::5")
	for _, tc := range []struct {
		name, ns string
		code     int
		want     []string
	}{
		{"flattened", `["ada.ns.cloudflare.com.=` + edge + `"]`, 0, []string{"wrote", "proxied on Cloudflare (written with TTL 300; list them under the zone's proxied key", "shop.example.test."}},
		{"refused", `[]`, 1, []string{"apex of example.test.: Cloudflare holds a CNAME there (to lb.example.net.)", "a zone file cannot hold a CNAME beside the SOA and NS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "twinzone.yaml")
			writeFiles(t, dir, map[string]string{
				"example.test.zone": proxiedZone,
				"twinzone.yaml": fmt.Sprintf(`providers:
  cf:  {type: cloudflare, api_token: "${TZ_CF}", zone_id: %s, endpoint: "%s"}
  r53: {type: route53, hosted_zone_id: Z1, access_key_id: "${TZ_AWS_ID}", secret_access_key: "${TZ_AWS_SECRET}", endpoint: "http://127.0.0.1:9"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: cf, nameservers: %s}
    secondary: {provider: r53}
`, cfZone, cf.URL, tc.ns),
			})
			out := filepath.Join(dir, "imported.zone")
			code, stdout, stderr := runCLI(t, "import", "--config", cfgPath, "--output", out, "cf")
			if code != tc.code {
				t.Fatalf("import exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			mustContain(t, "import output", stdout+stderr, tc.want...)
			if tc.code != 0 {
				if _, err := os.Stat(out); err == nil {
					t.Error("a refused import wrote a file")
				}
				return
			}
			z, err := zone.ParseFile(out, "example.test.")
			if err != nil {
				t.Fatalf("the imported file does not load: %v", err)
			}
			got := map[string]string{}
			for _, s := range z.RRsets {
				if s.Name == "example.test." {
					got[s.TypeString()] = strings.Join(s.Values, ",")
				}
			}
			if got["A"] != "203.0.113.5" || got["AAAA"] != "2001:db8::5" || got["CNAME"] != "" {
				t.Errorf("apex imported as %v", got)
			}
			for _, s := range z.RRsets {
				if s.Name == "shop.example.test." && s.TTL != 300 {
					t.Errorf("proxied shop imported with TTL %d, want 300", s.TTL)
				}
			}
		})
	}
}

// A type one provider cannot hold (URI and LOC on Route 53) fails that provider's plan, before
// any write, naming the record; the other provider (Cloudflare, which holds them) is synced.
func TestTypeOneProviderCannotHold(t *testing.T) {
	t.Setenv("TZ_CF", "cf-token-proxied")
	t.Setenv("TZ_AWS_ID", "AKIDPROXIEDTEST")
	t.Setenv("TZ_AWS_SECRET", "aws-secret-proxied")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cf := cfemu.New(cfemu.Options{Token: "cf-token-proxied"})
	defer cf.Close()
	cfZone := cf.AddZone("example.test")
	r53, err := r53emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer r53.Close()
	r53Zone, _ := r53.AddZone("example.test.", false)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "twinzone.yaml")
	writeFiles(t, dir, map[string]string{
		"example.test.zone": proxiedZone + "_ftp._tcp IN URI 10 1 \"ftp://ftp.example.test/\"\nhost IN SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n",
		"twinzone.yaml": fmt.Sprintf(`providers:
  cf:  {type: cloudflare, api_token: "${TZ_CF}", zone_id: %s, endpoint: "%s"}
  r53: {type: route53, hosted_zone_id: %s, access_key_id: "${TZ_AWS_ID}", secret_access_key: "${TZ_AWS_SECRET}", endpoint: "%s"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: cf}
    secondary: {provider: r53}
`, cfZone, cf.URL, r53Zone, r53.URL()),
	})
	code, out, errs := runCLI(t, "sync", "--config", cfgPath)
	if code != 1 {
		t.Fatalf("sync exit %d, want 1\n%s\n%s", code, out, errs)
	}
	mustContain(t, "sync output", out+errs, "_ftp._tcp.example.test. URI: the provider cannot hold URI records")
	types := map[string]bool{}
	for _, r := range cf.Records(cfZone) {
		types[r.Type] = true
	}
	if !types["URI"] || !types["SSHFP"] || !types["A"] {
		t.Errorf("Cloudflare holds %v", types)
	}
	if got := r53emuWrites(r53); got != 0 {
		t.Errorf("Route 53 got %d change batches", got)
	}
}

func r53emuWrites(s *r53emu.Server) int { return s.Stats().ByOp[r53emu.OpChangeResourceRecordSets] }
