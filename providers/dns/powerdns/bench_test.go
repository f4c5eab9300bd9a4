package powerdns

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/testutil/dnsserver"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/rfc2136"
)

const benchNames = 10000

// benchZone is a zone of benchNames A RRsets; variant v changes 1% of them (every 100th name).
func benchZone(origin string, v int) []zone.RRset {
	sets := make([]zone.RRset, 0, benchNames+1)
	sets = append(sets, zone.RRset{Name: "ns1." + origin, Type: dns.TypeA, TTL: 300, Values: []string{"192.0.2.53"}})
	for i := range benchNames {
		last := i % 250
		if i%100 == 0 {
			last = (i + v*7) % 250
		}
		sets = append(sets, zone.RRset{Name: fmt.Sprintf("host%05d.%s", i, origin), Type: dns.TypeA, TTL: 300,
			Values: []string{fmt.Sprintf("10.%d.%d.%d", i/62500, i/250%250, last+1)}})
	}
	return sets
}

func benchText(origin string) string {
	var b strings.Builder
	b.WriteString("$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n")
	for _, s := range benchZone(origin, 0)[1:] {
		fmt.Fprintf(&b, "%s IN A %s\n", s.Name, s.Values[0])
	}
	return b.String()
}

// BenchmarkChangeSync10k is a 1%-change sync (100 of 10,000 names: read, plan, apply) of
// one zone on a real PowerDNS, through its HTTP API and through twinzone's RFC 2136 path
// (AXFR and UPDATE, TSIG-signed) to the same server, printed side by side. Target: the API
// at least 3x faster.
func BenchmarkChangeSync10k(b *testing.B) {
	key := dnsserver.TestKey
	pd := dnsserver.StartPowerDNS(b, dnsserver.Options{Key: &key, Zones: []dnsserver.Zone{
		{Origin: "api.test.", Text: benchText("api.test.")}, {Origin: "ddns.test.", Text: benchText("ddns.test.")}}})
	api, err := New(Config{APIURL: pd.APIURL, APIKey: pd.APIKey})
	if err != nil {
		b.Fatal(err)
	}
	ddns, err := rfc2136.New(rfc2136.Config{Server: pd.Addr, KeyName: key.Name, KeyAlg: key.Alg, Key: key.Secret})
	if err != nil {
		b.Fatal(err)
	}
	took := map[string]time.Duration{}
	for _, bc := range []struct {
		name   string
		p      provider.Provider
		origin string
	}{{"api", api, "api.test."}, {"rfc2136", ddns, "ddns.test."}} {
		round := 0 // across the runs of b.N: each round flips to the other variant
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			var total time.Duration
			for range b.N {
				round++
				desired := benchZone(bc.origin, round%2+1) // never the current variant: 100 changes
				start := time.Now()
				cur, err := bc.p.Records(ctx, bc.origin)
				if err != nil {
					b.Fatal(err)
				}
				pl, err := plan.Calculate(desired, cur, plan.Options{Origin: bc.origin, Traits: plan.Traits{ApexNSManaged: false}})
				if err != nil {
					b.Fatal(err)
				}
				if n := len(pl.Changes); n != benchNames/100 {
					b.Fatalf("%d changes, want %d", n, benchNames/100)
				}
				if err := bc.p.Apply(ctx, bc.origin, pl.Changes); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			took[bc.name] = total / time.Duration(b.N)
			b.ReportMetric(float64(took[bc.name].Milliseconds()), "ms/sync")
		})
	}
	if took["api"] > 0 && took["rfc2136"] > 0 {
		ratio := float64(took["rfc2136"]) / float64(took["api"])
		verdict := "meets"
		if ratio < 3 {
			verdict = "BELOW"
		}
		fmt.Printf("PowerDNS 1%% change sync of %d names: HTTP API %v, RFC 2136 %v: API %.1fx faster (%s the 3x target)\n",
			benchNames, took["api"].Round(time.Millisecond), took["rfc2136"].Round(time.Millisecond), ratio, verdict)
	}
}
