package cloudflare

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// BenchmarkFirstSync10k syncs 10,000 records to an empty emulated zone, then re-reads the
// unchanged zone and plans again, and reports the API requests of each phase (ns/op is the
// whole iteration; reread-ms/op the re-read and re-plan). The client-side rate limiter is off
// here: at Cloudflare's 1,200 requests / 5 min, the 52 requests of a batched first sync take
// about 8 s, the 10,000 of an unbatched one about 42 min. Targets:
// first sync <= ceil(10000/batch)+2 write requests; re-read <= ceil(10000/5000)+2 reads and
// no writes.
func BenchmarkFirstSync10k(b *testing.B) {
	const n = 10000
	desired := make([]zone.RRset, 0, n)
	for i := range n {
		desired = append(desired, zone.RRset{Name: fmt.Sprintf("host%05d.example.com.", i), Type: dns.TypeA, TTL: 300,
			Values: []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}})
	}
	zone.Sort(desired)
	for _, bc := range []struct {
		name  string
		batch int
		off   bool
	}{{"batch200", 200, false}, {"batch3500", 3500, false}, {"nobatch", 200, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var reads, writes, rereads, rewrites int
			var reread time.Duration
			for range b.N {
				emu := cfemu.New(cfemu.Options{Token: "t", Budget: -1, BatchLimit: bc.batch, NoBatch: bc.off})
				id := emu.AddZone("example.com.")
				p, err := New(Config{APIToken: "t", ZoneID: id, Endpoint: emu.URL, BatchSize: bc.batch,
					RateLimit: rate.Inf, HTTPClient: &http.Client{}})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				opts := plan.Options{Origin: "example.com.", Traits: p.Traits()}
				cur, err := p.Records(ctx, "example.com.")
				if err != nil {
					b.Fatal(err)
				}
				pl, err := plan.Calculate(desired, cur, opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Apply(ctx, "example.com.", pl.Changes); err != nil {
					b.Fatal(err)
				}
				c := emu.Counts()
				reads, writes = c.Reads, c.Writes+c.Batch
				emu.ResetCounts()
				start := time.Now()
				cur, err = p.Records(ctx, "example.com.")
				if err != nil {
					b.Fatal(err)
				}
				if pl, err := plan.Calculate(desired, cur, opts); err != nil || !pl.Empty() {
					b.Fatalf("re-plan not empty: %v", err)
				}
				reread = time.Since(start)
				c = emu.Counts()
				rereads, rewrites = c.Reads, c.Writes+c.Batch
				emu.Close()
			}
			b.ReportMetric(float64(reads), "reads/op")
			b.ReportMetric(float64(writes), "writes/op")
			b.ReportMetric(float64(rereads), "reread-reads/op")
			b.ReportMetric(float64(rewrites), "reread-writes/op")
			b.ReportMetric(float64(reread.Milliseconds()), "reread-ms/op")
			if !bc.off && writes > (n+bc.batch-1)/bc.batch+2 {
				b.Errorf("first sync took %d write requests, target %d", writes, (n+bc.batch-1)/bc.batch+2)
			}
			if rewrites != 0 || rereads > (n+PerPage-1)/PerPage+2 {
				b.Errorf("re-read took %d reads, %d writes", rereads, rewrites)
			}
		})
	}
}
