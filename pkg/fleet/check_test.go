package fleet_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/fleet"
	"github.com/twinzone/twinzone/pkg/testutil/etcdserver"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// enableAuth turns etcd's authentication on with a root user and a user "tz" that may read
// and write prefix only.
func enableAuth(t *testing.T, c *etcdserver.Cluster, prefix string) {
	t.Helper()
	cli := c.Client(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	steps := []func() error{
		func() error { _, err := cli.RoleAdd(ctx, "root"); return err },
		func() error { _, err := cli.UserAdd(ctx, "root", "root-pw"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.RoleAdd(ctx, "tz"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "tz", prefix, clientv3.GetPrefixRangeEnd(prefix), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, "tz", "tz-pw"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "tz", "tz"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("auth step %d: %v", i, err)
		}
	}
}

func findings(fs []fleet.Finding, check string) []fleet.Finding {
	var out []fleet.Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	c := etcdserver.Start(t)
	const p = "/chk/"
	enableAuth(t, c, p)
	cfgFor := func(user, pw string) clientv3.Config {
		cfg := c.ClientConfig(nil)
		cfg.Username, cfg.Password = user, pw
		return cfg
	}
	storeFor := func(cfg clientv3.Config) *fleet.Store {
		cli, err := clientv3.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		s, err := fleet.New(cli, fleet.Options{Prefix: p, TTL: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// A wrong password: the client cannot even be created (etcd authenticates at dial).
	if cli, err := clientv3.New(cfgFor("tz", "wrong")); err == nil {
		_, err = cli.Get(ctx, p)
		cli.Close()
		if err == nil {
			t.Fatal("a wrong password reads")
		}
	}
	// A user without permission on the prefix.
	tzOther, err := fleet.New(storeFor(cfgFor("tz", "tz-pw")).Client(), fleet.Options{Prefix: "/elsewhere/", TTL: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fs := fleet.Check(ctx, tzOther, 2, 15*time.Second, []string{zone}, time.Now())
	if cr := findings(fs, "fleet-credentials"); len(cr) != 1 || cr[0].Severity != "fail" || !strings.Contains(cr[0].Fix, "readwrite on the prefix /elsewhere/") {
		t.Fatalf("no permission on the prefix: %+v", fs)
	}

	s := storeFor(cfgFor("tz", "tz-pw"))
	fs = fleet.Check(ctx, s, 2, 15*time.Second, []string{zone}, time.Now())
	if e := findings(fs, "fleet-etcd"); len(e) != 1 || e[0].Severity != "ok" || !strings.Contains(e[0].Message, "etcd 3.") {
		t.Errorf("etcd: %+v", e)
	}
	if l := findings(fs, "fleet-leader"); len(l) != 1 || l[0].Severity != "warn" {
		t.Errorf("no member running: %+v", l)
	}
	if q := findings(fs, "fleet-quorum"); len(q) != 1 || q[0].Severity != "fail" || !strings.Contains(q[0].Message, "0 live members") {
		t.Errorf("no member running: %+v", q)
	}

	// Two members publishing (with the restricted user): the quorum of 2 is reachable.
	var cs []*fleet.Coordinator
	for i := 1; i <= 2; i++ {
		co, _ := startCoordinator(t, cfgFor("tz", "tz-pw"), p, fmt.Sprintf("m%d", i))
		cs = append(cs, co)
	}
	waitFor(t, "members publishing", 30*time.Second, func() bool {
		ok := true
		for _, co := range cs {
			if r := co.Round(ctx, time.Now(), zone, view(fleet.Up)); r.Err != nil {
				ok = false
			}
		}
		return ok
	})
	fs = fleet.Check(ctx, s, 2, 15*time.Second, []string{zone}, time.Now())
	if q := findings(fs, "fleet-quorum"); len(q) != 1 || q[0].Severity != "ok" {
		t.Errorf("two members live: %+v", q)
	}
	if l := findings(fs, "fleet-leader"); len(l) != 1 || l[0].Severity != "ok" {
		t.Errorf("leader: %+v", l)
	}
	if q := findings(fleet.Check(ctx, s, 3, 15*time.Second, []string{zone}, time.Now()), "fleet-quorum"); q[0].Severity != "fail" {
		t.Errorf("quorum 3 with two members: %+v", q)
	}
}
