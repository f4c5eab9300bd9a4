package godaddy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/godaddy/godaddyemu"
)

const (
	key    = "gd-key-1"
	secret = "gd-secret-2"
)

func start(t *testing.T) (*godaddyemu.Server, *Registrar) {
	s := godaddyemu.Start(key, secret, map[string][]string{"example.com": {"ns01.domaincontrol.com", "ns02.domaincontrol.com"}})
	t.Cleanup(s.Close)
	r, err := New(Config{Key: key, Secret: secret, Endpoint: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		s, r := start(t)
		bad, _ := New(Config{Key: key, Secret: "gd-wrong-3", Endpoint: s.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{secret, "gd-wrong-3"}, Held: func() []string { return s.Nameservers("example.com") }}
	})
}

// TestRestrictedAccount: an account GoDaddy does not serve the API to gets a permanent error
// that names the restriction, on the read check uses and on the write.
func TestRestrictedAccount(t *testing.T) {
	ctx := context.Background()
	s, r := start(t)
	s.SetRestricted(true)
	_, rerr := r.Nameservers(ctx, "example.com.")
	_, werr := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "a.ns.new.org."}})
	for _, err := range []error{rerr, werr} {
		if !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "ACCESS_DENIED") || !strings.Contains(err.Error(), "10 or more domains") {
			t.Errorf("restricted account: %v", err)
		}
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"ns01.domaincontrol.com", "ns02.domaincontrol.com"}) {
		t.Errorf("restricted write changed the domain: %v", got)
	}
}

func TestRateLimit(t *testing.T) {
	s, r := start(t)
	now := time.Unix(1_700_000_000, 0)
	s.SetLimit(2, func() time.Time { return now })
	ctx := context.Background()
	for i := range 2 {
		if _, err := r.Nameservers(ctx, "example.com."); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := r.Nameservers(ctx, "example.com.")
	if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "retryAfterSec 30") {
		t.Errorf("over the limit: %v", err)
	}
}
