package fleet_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/state/historytest"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
)

var prefixSeq atomic.Int32

// newStore opens a Store with its own client (another process's view) under prefix.
func newStore(t *testing.T, c *etcdserver.Cluster, prefix string) *fleet.Store {
	t.Helper()
	s, err := fleet.New(c.Client(t, nil), fleet.Options{Prefix: prefix, TTL: 5 * time.Second, Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The etcd store passes the same conformance suite as the state directory.
func TestHistoryConformance(t *testing.T) {
	c := etcdserver.Start(t)
	historytest.Run(t, func(t *testing.T) (state.History, state.History) {
		p := fmt.Sprintf("/conf%d/", prefixSeq.Add(1))
		return newStore(t, c, p), newStore(t, c, p)
	})
}
