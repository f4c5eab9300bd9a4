package cloudflare

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
	"github.com/twinzone/twinzone/providers/dns/internal/configtest"
)

// parseZone reads a zone file text.
func parseZone(t *testing.T, text string) []zone.RRset {
	t.Helper()
	z, err := zone.Parse(strings.NewReader(text), origin, "test.zone")
	if err != nil {
		t.Fatal(err)
	}
	return z.RRsets
}

const typesZone = `$TTL 300
@        IN SOA ns1 hostmaster 1 7200 3600 1209600 300
host     IN SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789
host     IN SSHFP 1 1 0123456789abcdef0123456789abcdef01234567
sip      IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.com.
enum     IN NAPTR 10 100 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
_ftp._tcp IN URI 10 1 "ftp://ftp.example.com/public"
cert     IN CERT PGP 0 0 mQINBFxyz0BEADAjFqIaCKIbYdfSoN7u2tw4m3CijFeBBmq7yJEoStLP1wM=
_443._tcp.mail IN SMIMEA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
geo      IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
pgp      IN OPENPGPKEY mQINBFxyz0BEADAjFqIaCKIbYdfSoN7u2tw4m3CijFeBBmq7yJEoStLP1wM=
sub      IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
`

// A zone with SSHFP, NAPTR, URI and every other type Cloudflare holds syncs into the emulator
// and re-plans empty.
func TestTypesSyncAndReplanEmpty(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	desired := parseZone(t, typesZone)
	s := &tzsync.Syncer{}
	res := s.Sync(context.Background(), []tzsync.Target{{Name: "cf", Provider: f.p, Options: plan.Options{Origin: origin}}}, desired, tzsync.Options{Force: true})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	types := map[string]bool{}
	for _, r := range f.emu.Records(f.zoneID) {
		types[r.Type] = true
	}
	for _, typ := range []string{"SSHFP", "NAPTR", "URI", "CERT", "SMIMEA", "LOC", "OPENPGPKEY", "DNSKEY"} {
		if !types[typ] {
			t.Errorf("no %s record stored", typ)
		}
	}
	if p := f.plan(desired); !p.Empty() {
		t.Errorf("second plan not empty: %+v", p.Changes)
	}
}

// A value change patches the record in place: the comment and tags set in the dashboard survive.
func TestCommentAndTagsSurviveValueChange(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	id, err := f.emu.Seed(f.zoneID, cfemu.Record{Name: "www", Type: "A", Content: "192.0.2.1", TTL: 300,
		Comment: "web frontend, ask ops", Tags: []string{"team:web", "env:prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sync([]zone.RRset{set("www.example.com.", dns.TypeA, 600, "192.0.2.9")}); err != nil {
		t.Fatal(err)
	}
	recs := f.emu.Records(f.zoneID)
	if len(recs) != 1 || recs[0].ID != id || recs[0].Content != "192.0.2.9" || recs[0].TTL != 600 ||
		recs[0].Comment != "web frontend, ask ops" || !slices.Equal(recs[0].Tags, []string{"team:web", "env:prod"}) {
		t.Fatalf("after the change: %+v", recs)
	}
}

// Records Cloudflare, an app or a tunnel manage are reported unmanaged and never deleted, even
// when the zone file has nothing at their names.
func TestManagedRecordsNeverDeleted(t *testing.T) {
	f := newFixture(t, cfemu.Options{}, nil)
	for _, r := range []cfemu.Record{
		{Name: "@", Type: "MX", Content: "route1.mx.cloudflare.net", Priority: new(int), TTL: 1, Meta: cfemu.Meta{ReadOnly: true, Source: "email_routing"}},
		{Name: "tunnel", Type: "CNAME", Content: "abc.cfargotunnel.com", TTL: 1, Meta: cfemu.Meta{ManagedByArgoTunnel: true}},
		{Name: "old", Type: "A", Content: "192.0.2.50", TTL: 300},
	} {
		if _, err := f.emu.Seed(f.zoneID, r); err != nil {
			t.Fatal(err)
		}
	}
	res := (&tzsync.Syncer{}).Sync(context.Background(), []tzsync.Target{{Name: "cf", Provider: f.p, Options: plan.Options{Origin: origin}}},
		parseZone(t, "@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\nwww 300 IN A 192.0.2.1\n"), tzsync.Options{Force: true})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	um, err := f.p.Unmanaged(context.Background(), origin)
	if err != nil || len(um) != 2 {
		t.Errorf("unmanaged: %+v %v", um, err)
	}
	for _, c := range res[0].Plan.Changes {
		if c.Action == plan.Delete && (c.Key().Type == dns.TypeMX || c.Key().Name == "tunnel.example.com.") {
			t.Errorf("planned %v", c)
		}
	}
	var names []string
	for _, r := range f.emu.Records(f.zoneID) {
		names = append(names, r.Type+" "+r.Name)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "A www.example.com,CNAME tunnel.example.com,MX example.com,TXT _twinzone.example.com" {
		t.Errorf("records now %v", names)
	}
}

func txtOf(n, size int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + strings.Repeat("k", size) + `"`)
	}
	return b.String()
}

// Cloudflare's size limits and the record quota are known before writing: a plan that breaks
// them is refused whole, naming the record, and the emulator refuses the same records.
func TestValidateLimitsAndQuota(t *testing.T) {
	f := newFixture(t, cfemu.Options{MaxRecords: 50}, func(c *Config) { c.RecordQuota = 50 })
	for i := range 4 {
		if _, err := f.emu.Seed(f.zoneID, cfemu.Record{Name: "n" + string(rune('a'+i)), Type: "A", Content: "192.0.2.1", TTL: 300}); err != nil {
			t.Fatal(err)
		}
	}
	base := f.records()
	many := make([]string, 45)
	ips := make([]string, 47)
	for i := range ips {
		ips[i] = "192.0.2." + strconv.Itoa(i+10)
	}
	for i := range many {
		many[i] = `"` + strings.Repeat(string(rune('a'+i%26)), 200) + string(rune('A'+i/26)) + `"`
	}
	for _, tc := range []struct {
		name string
		add  []zone.RRset
		want string
	}{
		{"record over 4096 bytes", []zone.RRset{set("big.example.com.", dns.TypeTXT, 300, txtOf(17, 250))}, "big.example.com. TXT: a record of 4"},
		{"RRset over 8192 characters", []zone.RRset{set("set.example.com.", dns.TypeTXT, 300, many...)}, "totals 9135 characters"},
		{"over the quota", []zone.RRset{set("x.example.com.", dns.TypeA, 300, ips...)}, "51 records in the zone (4 now, +47), over its quota of 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired := append(slices.Clone(base), tc.add...)
			pl := f.plan(desired)
			err := f.p.Validate(context.Background(), origin, pl)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
			// Without the check, Cloudflare (the emulator) refuses the batch.
			if err := f.p.Apply(context.Background(), origin, pl.Changes); err == nil {
				t.Error("the emulator took what Validate refused")
			}
			if got := len(f.emu.Records(f.zoneID)); got != 4 {
				t.Errorf("%d records after a refused batch", got)
			}
		})
	}
	// Within the limits: no refusal.
	ok := append(slices.Clone(base), set("ok.example.com.", dns.TypeTXT, 300, txtOf(15, 250)))
	if err := f.p.Validate(context.Background(), origin, f.plan(ok)); err != nil {
		t.Errorf("Validate within limits: %v", err)
	}
}

// record_quota is a typed key: decoded into the settings, opened into the adapter, and a bad
// value is an error naming file, line and column.
func TestRecordQuotaConfig(t *testing.T) {
	types := []config.ProviderType{ConfigType()}
	env := map[string]string{"CLOUDFLARE_API_TOKEN": testToken}
	c, err := configtest.Load(t, types, `  a: {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}"}
  b: {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}", record_quota: 3500}
`, env)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"a": FreeRecordQuota, "b": 3500} {
		p, err := Open(context.Background(), c.Providers[name].Settings.(*Settings), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.(*Provider).quota(); got != want {
			t.Errorf("%s: quota %d, want %d", name, got, want)
		}
	}
	_, err = configtest.Load(t, types, `  a: {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}", record_quota: 0}
  b: {type: cloudflare, api_token: "${CLOUDFLARE_API_TOKEN}"}
`, env)
	if err == nil || !strings.Contains(err.Error(), "twinzone.yaml:2:") || !strings.Contains(err.Error(), "record_quota") {
		t.Errorf("record_quota 0: %v", err)
	}
}
