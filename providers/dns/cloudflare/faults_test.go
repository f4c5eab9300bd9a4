package cloudflare

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
)

// TestFaultySync2000: a 2,000-record sync with random 429s, 5xx, dropped connections (before
// and after the write is applied) and timeouts either converges or fails with a clear error;
// records outside the plan never change; the next fault-free run converges.
func TestFaultySync2000(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			f := newFixture(t, cfemu.Options{Budget: -1}, func(c *Config) {
				c.RequestTimeout = 300 * time.Millisecond
				c.Retries = 4
			})
			f.emu.SetSlowDelay(1500 * time.Millisecond)
			f.emu.SetRetryAfter(2)

			// 200 existing records: 150 stay as they are (outside the plan), 25 change, 25 go.
			var desired []zone.RRset
			for i := range 200 {
				name := fmt.Sprintf("old%03d", i)
				if _, err := f.emu.Seed(f.zoneID, cfemu.Record{Name: name, Type: "A", Content: "192.0.2.1", TTL: 300}); err != nil {
					t.Fatal(err)
				}
				switch {
				case i < 150:
					desired = append(desired, set(name+"."+origin, dns.TypeA, 300, "192.0.2.1"))
				case i < 175:
					desired = append(desired, set(name+"."+origin, dns.TypeA, 600, "192.0.2.1", "192.0.2.2"))
				}
			}
			for i := range 2000 {
				desired = append(desired, set(fmt.Sprintf("new%04d.%s", i, origin), dns.TypeTXT, 300, fmt.Sprintf(`"value %d"`, i)))
			}
			outside := map[string]cfemu.Record{}
			for _, r := range f.emu.Records(f.zoneID) {
				if r.Name < "old150" {
					outside[r.ID] = r
				}
			}
			pl := f.plan(desired)
			if pl.Counts.Create != 2000 || pl.Counts.Update != 25 || pl.Counts.Delete != 25 {
				t.Fatalf("plan counts %+v", pl.Counts)
			}

			f.emu.SetFaultRate(0.3, seed)
			err := f.p.Apply(context.Background(), origin, pl.Changes)
			f.emu.ClearFaults()
			// Fault-free from here: a generous timeout, so a loaded machine cannot fail it.
			f.p.c.timeout = time.Minute
			if err != nil {
				// A clear error: says it is Cloudflare's, names what failed, no secret.
				msg := err.Error()
				if !strings.HasPrefix(msg, "cloudflare: ") || strings.Contains(msg, testToken) {
					t.Fatalf("unclear error: %v", err)
				}
				t.Logf("faulty run stopped: %v", err)
			}
			byID := map[string]cfemu.Record{}
			for _, r := range f.emu.Records(f.zoneID) {
				byID[r.ID] = r
			}
			for id, r := range outside {
				got, ok := byID[id]
				if !ok || got.Content != r.Content || got.TTL != r.TTL || got.ModifiedOn != r.ModifiedOn {
					t.Fatalf("record outside the plan changed: %+v -> %+v (present %v)", r, got, ok)
				}
			}
			if err == nil {
				if pl := f.plan(desired); !pl.Empty() {
					t.Fatalf("Apply succeeded but %d changes remain", len(pl.Changes))
				}
			}
			// The next, fault-free run converges.
			if err := f.sync(desired); err != nil {
				t.Fatalf("fault-free run: %v", err)
			}
			if pl := f.plan(desired); !pl.Empty() {
				t.Fatalf("%d changes remain after the fault-free run", len(pl.Changes))
			}
			if n := len(f.emu.Records(f.zoneID)); n != 150+50+2000 {
				t.Fatalf("%d records stored, want 2200 (duplicates?)", n)
			}
		})
	}
}
