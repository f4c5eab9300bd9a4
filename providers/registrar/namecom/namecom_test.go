package namecom

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/namecom/namecomemu"
)

const (
	user  = "ops-test"
	token = "namecom-token-0123"
)

func start(t *testing.T) (*namecomemu.Server, *Registrar) {
	s := namecomemu.Start(user, token, map[string][]string{"example.com": {"ns1.name.com", "NS2.name.com"}})
	t.Cleanup(s.Close)
	r, err := New(Config{Username: user, Token: token, Endpoint: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		s, r := start(t)
		bad, _ := New(Config{Username: user, Token: "wrong-token-999", Endpoint: s.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{token, "wrong-token-999"}, Held: func() []string { return s.Nameservers("example.com") }}
	})
}

func TestNameCom(t *testing.T) {
	ctx := context.Background()
	s, r := start(t)
	if _, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "b.ns.new.org."}, {Name: "a.ns.new.org."}}); err != nil {
		t.Fatal(err)
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"b.ns.new.org", "a.ns.new.org"}) {
		t.Errorf("emulator holds %v (sent without trailing dots)", got)
	}
	s.Fail(1, 429)
	_, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "c.ns.new.org."}})
	if !errors.Is(err, provider.ErrTransient) || registrar.IsPermanent(err) {
		t.Errorf("429: %v", err)
	}
	bad, _ := New(Config{Username: user, Token: "nope-nope", Endpoint: s.URL})
	if _, err := bad.Nameservers(ctx, "example.com."); err == nil || !strings.Contains(err.Error(), "HTTP 401: Unauthenticated") {
		t.Errorf("401: %v", err)
	}
	if _, err := New(Config{Username: user}); err == nil {
		t.Errorf("no token accepted")
	}
}
