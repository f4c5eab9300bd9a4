package route53

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/r53emu"
)

func syncOnce(t *testing.T, e *testEnv, desired []zone.RRset) error {
	t.Helper()
	s := &tzsync.Syncer{Retry: tzsync.RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond}}
	res := s.Sync(context.Background(), []tzsync.Target{{Name: "r53", Provider: e.p, Options: plan.Options{Origin: testZone}}},
		desired, tzsync.Options{Force: true, NoStamp: true})
	return res[0].Err
}

// One retry layer: a permanently failing Route 53 gets at most MaxAttempts requests for a
// whole sync, whether reads or writes fail. (With sync retrying the adapter's "giving up" it
// was 5 x MaxAttempts for a read.)
func TestSyncAttemptsBounded(t *testing.T) {
	const attempts = 4
	desired := []zone.RRset{set("a", dns.TypeA, 300, "192.0.2.1")}
	t.Run("read", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxAttempts = attempts })
		e.srv.FailAfter(0, r53emu.FaultUnavailable)
		err := syncOnce(t, e, desired)
		if !errors.Is(err, provider.ErrGaveUp) || errors.Is(err, provider.ErrTransient) {
			t.Fatalf("sync error %v, want ErrGaveUp and not ErrTransient", err)
		}
		if st := e.srv.Stats(); st.Reads+st.Writes != attempts {
			t.Fatalf("%d requests (%v) for one sync, want %d", st.Reads+st.Writes, st.ByOp, attempts)
		}
	})
	t.Run("write", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxAttempts = attempts })
		e.srv.InjectWrites(r53emu.FaultServerError, 1000)
		err := syncOnce(t, e, desired)
		if !errors.Is(err, provider.ErrGaveUp) {
			t.Fatalf("sync error %v, want ErrGaveUp", err)
		}
		if n := e.srv.Stats().ByOp["ChangeResourceRecordSets"]; n != attempts {
			t.Fatalf("%d ChangeResourceRecordSets requests for one sync, want %d", n, attempts)
		}
	})
}
