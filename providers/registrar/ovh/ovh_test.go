package ovh

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/ovh/ovhemu"
)

const (
	appKey    = "ovh-app-key"
	appSecret = "ovh-app-secret-1"
	consumer  = "ovh-consumer-key-2"
)

func start(t *testing.T) (*ovhemu.Server, *Registrar) {
	s := ovhemu.Start(appKey, appSecret, consumer, map[string][]string{"example.com": {"dns10.ovh.net", "ns10.ovh.net"}, "hosted.com": {"dns1.ovh.net"}})
	t.Cleanup(s.Close)
	r, err := New(Config{ApplicationKey: appKey, ApplicationSecret: appSecret, ConsumerKey: consumer, Endpoint: s.URL, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		s, r := start(t)
		bad, _ := New(Config{ApplicationKey: appKey, ApplicationSecret: appSecret, ConsumerKey: "ovh-wrong-consumer", Endpoint: s.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{appSecret, consumer, "ovh-wrong-consumer"}, Held: func() []string { return s.Nameservers("example.com") },
			HeldGlue: func(host string) []string {
				var out []string
				for _, n := range s.Nameservers("example.com") {
					if ip, ok := strings.CutPrefix(n, strings.TrimSuffix(host, ".")+"="); ok {
						out = append(out, ip)
					}
				}
				return out
			}}
	})
}

// TestSignature checks Sign against a value computed outside Go from OVH's formula:
//
//	printf '%s' 'AS+CK+POST+https://eu.api.ovh.com/1.0/domain/example.com/nameServers/update+{"nameServers":[{"host":"a.ns.net"}]}+1366560945' | sha1sum
func TestSignature(t *testing.T) {
	got := Sign("AS", "CK", "POST", "https://eu.api.ovh.com/1.0/domain/example.com/nameServers/update",
		[]byte(`{"nameServers":[{"host":"a.ns.net"}]}`), 1366560945)
	if want := "$1$7b35335bd223002a533d25fe02ea93a2f80ce0dd"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// TestTaskAndClock: the API clock is 2 h ahead of ours (a local clock that far off would fail
// "Query out of time" without /auth/time); the change goes through a task that Wait follows;
// glue goes with an in-bailiwick name; a task in error is an error.
func TestTaskAndClock(t *testing.T) {
	ctx := context.Background()
	s, r := start(t)
	s.Configure(2*time.Hour, 3, false, "hosted.com")
	set := nameserver.Set{{Name: "ns1.example.com.", Addrs: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:53")}}, {Name: "b.ns.other.net."}}
	op, err := r.SetNameservers(ctx, "example.com.", set)
	if err != nil || op.ID == "" {
		t.Fatalf("SetNameservers = %+v, %v", op, err)
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"dns10.ovh.net", "ns10.ovh.net"}) {
		t.Errorf("applied before the task ran: %v", got)
	}
	if err := r.Wait(ctx, "example.com.", op); err != nil {
		t.Fatal(err)
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"ns1.example.com=192.0.2.1", "b.ns.other.net"}) {
		t.Errorf("after the task: %v", got)
	}
	_, err = r.SetNameservers(ctx, "hosted.com.", set)
	if !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "nameServerType is hosted") {
		t.Errorf("hosted domain: %v", err)
	}
	s.Configure(2*time.Hour, 1, true)
	op, err = r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "x.ns.net."}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(ctx, "example.com.", op); err == nil || !strings.Contains(err.Error(), "registry refused") {
		t.Errorf("task in error: %v", err)
	}
	wrong, _ := New(Config{ApplicationKey: appKey, ApplicationSecret: "not-the-secret", ConsumerKey: consumer, Endpoint: s.URL})
	if _, err := wrong.Nameservers(ctx, "example.com."); !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "Invalid signature") {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestWaitBounded: a task that never leaves "todo" ends Wait after MaxWait, with its status.
func TestWaitBounded(t *testing.T) {
	s, _ := start(t)
	s.Configure(0, 1<<30, false)
	r, _ := New(Config{ApplicationKey: appKey, ApplicationSecret: appSecret, ConsumerKey: consumer, Endpoint: s.URL,
		PollInterval: time.Millisecond, MaxWait: 50 * time.Millisecond})
	ctx := context.Background()
	op, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "x.ns.net."}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(ctx, "example.com.", op); err == nil || !strings.Contains(err.Error(), `still "todo"`) {
		t.Errorf("Wait on a stuck task: %v", err)
	}
}

// TestWaitRidesOutTransientErrors: a 503 while the task runs is not the task failing; Wait
// polls on and reports the task's real outcome.
func TestWaitRidesOutTransientErrors(t *testing.T) {
	s, r := start(t)
	s.Configure(0, 2, false)
	ctx := context.Background()
	op, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "x.ns.net."}})
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(2)
	if err := r.Wait(ctx, "example.com.", op); err != nil {
		t.Fatalf("Wait through two 503s: %v", err)
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"x.ns.net"}) {
		t.Errorf("after the task: %v", got)
	}
}
