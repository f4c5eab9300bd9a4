package libdnstest

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/libdns/libdns"
	ldt "github.com/libdns/libdns/libdnstest"
)

// target is one libdns provider under test, on a fresh emulator.
type target struct {
	p ldt.RecordProvider // GetRecords, AppendRecords, SetRecords, DeleteRecords
	// suite is libdns's suite on p (wrapped when p lists no zones).
	suite *ldt.TestSuite
	// seedAlias stores an alias record at name (relative) directly in the emulator, for
	// providers that have alias records; nil otherwise.
	seedAlias func(t *testing.T, name string)
}

// The libdns contract checks below are what twinzone needs of a provider and what libdns's
// own suite does not cover: SetRecords must replace a whole multi-value RRset, DeleteRecords
// must delete exactly the given records, GetRecords must not hide records.

func contractChecks(t *testing.T, tg target) {
	t.Run("SetRecordsCreatesMultiValue", func(t *testing.T) {
		ctx := ctxT(t)
		in := addrs("multi", "192.0.2.1", "192.0.2.2", "192.0.2.3")
		if _, err := tg.p.SetRecords(ctx, testZone, in); err != nil {
			t.Fatalf("SetRecords: %v", err)
		}
		expectRRset(t, tg.p, "multi", "A", "192.0.2.1", "192.0.2.2", "192.0.2.3")
	})
	t.Run("SetRecordsShrinksRRset", func(t *testing.T) {
		ctx := ctxT(t)
		if _, err := tg.p.AppendRecords(ctx, testZone, addrs("shrink", "192.0.2.1", "192.0.2.2", "192.0.2.3")); err != nil {
			t.Fatalf("AppendRecords: %v", err)
		}
		expectRRset(t, tg.p, "shrink", "A", "192.0.2.1", "192.0.2.2", "192.0.2.3")
		if _, err := tg.p.SetRecords(ctx, testZone, addrs("shrink", "192.0.2.9")); err != nil {
			t.Fatalf("SetRecords: %v", err)
		}
		expectRRset(t, tg.p, "shrink", "A", "192.0.2.9")
	})
	t.Run("DeleteRecordsExactSRV", func(t *testing.T) {
		ctx := ctxT(t)
		srv := func(port uint16, target string) libdns.Record {
			return libdns.SRV{Service: "sip", Transport: "tcp", Name: "voice", TTL: 300 * time.Second,
				Priority: 10, Weight: 5, Port: port, Target: target}
		}
		if _, err := tg.p.AppendRecords(ctx, testZone, []libdns.Record{srv(5060, "a.example.com."), srv(5061, "b.example.com.")}); err != nil {
			t.Fatalf("AppendRecords: %v", err)
		}
		if _, err := tg.p.DeleteRecords(ctx, testZone, []libdns.Record{srv(5060, "a.example.com.")}); err != nil {
			t.Fatalf("DeleteRecords: %v", err)
		}
		expectRRset(t, tg.p, "_sip._tcp.voice", "SRV", "10 5 5061 b.example.com.")
	})
	if tg.seedAlias != nil {
		t.Run("GetRecordsReportsAlias", func(t *testing.T) {
			tg.seedAlias(t, "www")
			recs, err := tg.p.GetRecords(ctxT(t), testZone)
			if err != nil {
				t.Fatalf("GetRecords: %v", err)
			}
			for _, r := range recs {
				if r.RR().Name == "www" {
					return
				}
			}
			t.Errorf("alias record at www missing from GetRecords (%d records)", len(recs))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func addrs(name string, ips ...string) []libdns.Record {
	out := make([]libdns.Record, len(ips))
	for i, ip := range ips {
		out[i] = libdns.Address{Name: name, TTL: 300 * time.Second, IP: netip.MustParseAddr(ip)}
	}
	return out
}

// expectRRset checks that the provider serves exactly values at name/typ.
func expectRRset(t *testing.T, p ldt.RecordProvider, name, typ string, values ...string) {
	t.Helper()
	recs, err := p.GetRecords(ctxT(t), testZone)
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	var got []string
	for _, r := range recs {
		if rr := r.RR(); rr.Name == name && rr.Type == typ {
			got = append(got, rr.Data)
		}
	}
	slices.Sort(got)
	slices.Sort(values)
	if !slices.Equal(got, values) {
		t.Errorf("%s %s: got %d records %q, want %q", name, typ, len(got), got, values)
	}
}
