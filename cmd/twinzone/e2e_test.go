package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
)

const e2eOrigin = "example.test."

// e2eZone is a zone of about 1,100 records with every kind of data the acceptance asks for.
// Values of host%d A records depend on gen, so that a new gen changes exactly those records
// whose index i has i%100 == 0 (1%).
func e2eZone(gen int) string {
	var b strings.Builder
	b.WriteString(`$ORIGIN example.test.
$TTL 300
@ 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
@ IN NS ns1.example.test.
ns1 IN A 127.0.0.1
@ IN A 192.0.2.1
@ IN AAAA 2001:db8::1
@ IN MX 10 mail.example.test.
@ IN MX 20 Mail2.Example.Test.
@ IN TXT "v=spf1 mx include:_spf.example.net -all"
@ IN CAA 0 issue "letsencrypt.org"
@ IN CAA 0 iodef "mailto:security@example.test"
mail IN A 192.0.2.2
mail2 IN A 192.0.2.3
www IN CNAME example.test.
WWW2.Mixed IN CNAME www.example.test.
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
quoted IN TXT "say \"hi\"" "caf\195\169 \226\156\147"
_sip._tcp IN SRV 10 60 5060 sip.example.test.
sip IN A 192.0.2.4
svc IN HTTPS 1 . alpn="h2,h3" port=8443
*.wild IN A 192.0.2.5
sub IN NS ns.sub.example.test.
sub IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub IN A 192.0.2.53
`)
	// A DKIM key over 255 bytes, written as two strings the way DNS admins do.
	b.WriteString(`sel1._domainkey IN TXT "v=DKIM1; k=rsa; p=` + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 7) + `" "` + strings.Repeat("QIDAQAB", 20) + `"` + "\n")
	for i := 0; i < 1000; i++ {
		last := i % 250
		if i%100 == 0 {
			last = (last + gen) % 250
		}
		fmt.Fprintf(&b, "host%d IN A 198.51.100.%d\n", i, last+1)
		if i%10 == 0 {
			fmt.Fprintf(&b, "host%d IN AAAA 2001:db8::%x\n", i, i+1)
		}
	}
	return b.String()
}

// axfr returns the RRsets a server hands out by zone transfer, SOA, apex NS and stamp aside.
func axfr(t *testing.T, addr string) []zone.RRset {
	t.Helper()
	k := dnsserver.TestKey
	m := new(dns.Msg)
	m.SetAxfr(e2eOrigin)
	m.SetTsig(k.Name, dns.Fqdn(k.Alg), 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{k.Name: k.Secret}}
	ch, err := tr.In(m, addr)
	if err != nil {
		t.Fatalf("axfr %s: %v", addr, err)
	}
	byKey := map[zone.Key]*zone.RRset{}
	var keys []zone.Key
	for env := range ch {
		if env.Error != nil {
			t.Fatalf("axfr %s: %v", addr, env.Error)
		}
		for _, rr := range env.RR {
			key, ttl, v := zone.FromRR(rr)
			if key.Type == dns.TypeSOA || (key.Type == dns.TypeNS && key.Name == e2eOrigin) || key.Name == plan.StampName(e2eOrigin) {
				continue
			}
			s, ok := byKey[key]
			if !ok {
				s = &zone.RRset{Name: key.Name, Type: key.Type, TTL: ttl}
				byKey[key] = s
				keys = append(keys, key)
			}
			s.Values = append(s.Values, v)
		}
	}
	out := make([]zone.RRset, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	zone.Sort(out)
	return out
}

// desiredOf is the zone file's RRsets as a provider should serve them (SOA and apex NS aside).
func desiredOf(t *testing.T, path string) []zone.RRset {
	t.Helper()
	z, err := zone.ParseFile(path, e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	var out []zone.RRset
	for _, s := range z.RRsets {
		if s.Type == dns.TypeSOA || (s.Type == dns.TypeNS && s.Name == e2eOrigin) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func diffSets(want, got []zone.RRset) []string {
	idx := map[zone.Key]zone.RRset{}
	for _, s := range got {
		idx[s.Key()] = s
	}
	var diffs []string
	for _, w := range want {
		g, ok := idx[w.Key()]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+w.Key().String())
		case !g.Equal(w):
			diffs = append(diffs, fmt.Sprintf("differs %s: want %d %q, got %d %q", w.Key(), w.TTL, w.Values, g.TTL, g.Values))
		}
		delete(idx, w.Key())
	}
	for k := range idx {
		diffs = append(diffs, "extra "+k.String())
	}
	return diffs
}

type jsonPlan struct {
	Zones []struct {
		Provider string `json:"provider"`
		Changes  []struct {
			Action string `json:"action"`
			Name   string `json:"name"`
			Type   string `json:"type"`
		} `json:"changes"`
	} `json:"zones"`
}

// TestE2EBindKnot is issue 2's acceptance on real servers: BIND as primary, Knot as
// secondary, a 1,000+ record zone synced through the CLI.
func TestE2EBindKnot(t *testing.T) {
	initial := "$ORIGIN example.test.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 127.0.0.1\n"
	opts := dnsserver.Options{Zones: []dnsserver.Zone{{Origin: e2eOrigin, Text: initial}}, Key: &dnsserver.TestKey}
	bind := dnsserver.StartBIND(t, opts)
	knot := dnsserver.StartKnot(t, opts)

	dir := t.TempDir()
	t.Setenv("TZ_E2E_TSIG", dnsserver.TestKey.Secret)
	cfg := fmt.Sprintf(`providers:
  bind: {type: rfc2136, server: "%s", key_name: %s, key_alg: hmac-sha256, key: "${TZ_E2E_TSIG}"}
  knot: {type: rfc2136, server: "%s", key_name: %s, key_alg: hmac-sha256, key: "${TZ_E2E_TSIG}"}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: bind, nameservers: ["ns1.example.test.=%s"]}
    secondary: {provider: knot, nameservers: ["ns2.example.test.=%s"]}
`, bind.Addr, dnsserver.TestKey.Name, knot.Addr, dnsserver.TestKey.Name, bind.Addr, knot.Addr)
	writeFiles(t, dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": e2eZone(0)})
	conf := filepath.Join(dir, "twinzone.yaml")
	zfile := filepath.Join(dir, "example.test.zone")

	if code, out, stderr := runCLI(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("first sync: exit %d\n%s\n%s\nBIND:\n%s", code, lastLines(out, 20), stderr, bind.Logs())
	}
	want := desiredOf(t, zfile)
	if len(want) < 1000 {
		t.Fatalf("test zone has only %d RRsets", len(want))
	}
	for _, s := range []*dnsserver.Server{bind, knot} {
		if d := diffSets(want, axfr(t, s.Addr)); len(d) > 0 {
			t.Fatalf("%s serves something else than the zone file (%d differences): %v", s.Kind, len(d), d[:min(len(d), 10)])
		}
	}
	if code, out, stderr := runCLI(t, "plan", "--config", conf, "--exit-code"); code != 0 {
		t.Fatalf("second plan not empty: exit %d\n%s%s", code, out, stderr)
	}

	// Edit 1% of the records: exactly those (and the stamp) are planned and synced.
	writeFiles(t, dir, map[string]string{"example.test.zone": e2eZone(1)})
	code, out, stderr := runCLI(t, "plan", "--config", conf, "--format", "json", "--exit-code")
	if code != exitChanges {
		t.Fatalf("plan after edit: exit %d, want 2: %s", code, stderr)
	}
	var jp jsonPlan
	if err := json.Unmarshal([]byte(out), &jp); err != nil {
		t.Fatalf("plan json: %v\n%s", err, out)
	}
	for _, z := range jp.Zones {
		records := 0
		for _, c := range z.Changes {
			if c.Name == plan.StampName(e2eOrigin) {
				continue
			}
			records++
			if c.Action != "update" || c.Type != "A" || !strings.HasPrefix(c.Name, "host") {
				t.Errorf("%s: unexpected change %+v", z.Provider, c)
			}
		}
		if records != 10 {
			t.Errorf("%s: %d record changes after editing 10 records, want 10", z.Provider, records)
		}
	}
	if code, out, stderr := runCLI(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("sync after edit: exit %d\n%s%s", code, lastLines(out, 20), stderr)
	}
	want = desiredOf(t, zfile)
	for _, s := range []*dnsserver.Server{bind, knot} {
		if d := diffSets(want, axfr(t, s.Addr)); len(d) > 0 {
			t.Fatalf("%s after edit: %v", s.Kind, d[:min(len(d), 10)])
		}
	}

	// A record added on BIND behind twinzone's back shows in the plan and is removed by sync.
	rogue, _ := dns.NewRR("rogue.example.test. 300 IN A 192.0.2.99")
	u := new(dns.Msg)
	u.SetUpdate(e2eOrigin)
	u.Insert([]dns.RR{rogue})
	k := dnsserver.TestKey
	u.SetTsig(k.Name, dns.Fqdn(k.Alg), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{k.Name: k.Secret}}
	if r, _, err := c.Exchange(u, bind.Addr); err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("rogue update: %v %v", err, r)
	}
	code, out, _ = runCLI(t, "plan", "--config", conf, "--exit-code")
	if code != exitChanges {
		t.Fatalf("plan with a rogue record: exit %d, want 2\n%s", code, out)
	}
	mustContain(t, "plan", out, "- rogue.example.test.", "example.test. on bind")
	if code, out, stderr := runCLI(t, "sync", "--config", conf); code != 0 {
		t.Fatalf("sync removing rogue: exit %d\n%s%s", code, out, stderr)
	}
	for _, s := range []*dnsserver.Server{bind, knot} {
		if d := diffSets(want, axfr(t, s.Addr)); len(d) > 0 {
			t.Fatalf("%s after removing the rogue record: %v", s.Kind, d)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
