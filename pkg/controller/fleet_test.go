package controller

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestFleetMemberPublishesDelegation: a fleet member's published observation carries the NS
// set its own round read at the parent, and follows the parent when the delegation moves
// (here by hand, behind twinzone's back). Real single-member etcd, fake DNS servers.
func TestFleetMemberPublishesDelegation(t *testing.T) {
	l := newLab(t, config.ModeSwitch, "")
	ec := etcdserver.Start(t)
	cli, err := clientv3.New(ec.ClientConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	s, err := fleet.New(cli, fleet.Options{Prefix: "/ctrlfleet/", TTL: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	co := fleet.NewCoordinator(s, fleet.NewMember(s, "m1"), 1, 15*time.Second, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); co.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c, err := New(context.Background(), Options{Config: l.cfg, Zones: []ZoneSpec{{Config: l.zc, Desired: desiredZone(t)}}, Store: l.st,
		History: s, Fleet: co, Logger: l.log.logger(),
		OpenRegistrar: func(context.Context, *config.Registrar, ParentReader) (registrar.Registrar, error) { return l.reg, nil },
		ParentServers: map[string][]netip.AddrPort{testZone: {l.parent.Addr}}, RegistrarBackoff: time.Millisecond,
		ParentPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	published := func(want []string) {
		t.Helper()
		var got []string
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) { // until the member's session is up and a round published
			c.RunOnce(context.Background(), time.Now())
			obs, err := s.Observations(context.Background())
			if err == nil && len(obs) == 1 {
				if zv, ok := obs[0].Zones[testZone]; ok {
					if got = zv.Delegation; slices.Equal(got, want) {
						return
					}
				}
			}
			select {
			case <-co.Member.Changed():
			case <-time.After(200 * time.Millisecond):
			}
		}
		t.Fatalf("published delegation %v, want %v\n%s", got, want, l.log)
	}
	published(priNames)
	publish(l.parent, secNames...)
	published(secNames)
	if calls := l.reg.Calls(); len(calls) != 0 {
		t.Fatalf("registrar called: %v", calls)
	}
}
