package namecheap

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
	"github.com/twinzone/twinzone/providers/registrar/namecheap/namecheapemu"
)

const (
	user = "opsuser"
	key  = "nc-key-0123456789"
)

func start(t *testing.T) (*namecheapemu.Server, *Registrar) {
	s := namecheapemu.Start(user, key, []string{"127.0.0.1"}, map[string][]string{
		"example.com": {"dns1.registrar-servers.com", "dns2.registrar-servers.com"}, "example.co.uk": {"a.b.net"}})
	t.Cleanup(s.Close)
	r, err := New(Config{APIUser: user, APIKey: key, ClientIP: "127.0.0.1", Endpoint: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		s, r := start(t)
		bad, _ := New(Config{APIUser: user, APIKey: "nc-wrong-key-42", ClientIP: "127.0.0.1", Endpoint: s.URL})
		return registrartest.Target{Registrar: r, Domain: "example.com.", Unknown: "missing.com.", BadCredentials: bad,
			Secrets: []string{key, "nc-wrong-key-42"}, Held: func() []string { return s.Nameservers("example.com") }}
	})
}

// TestAllowList: a host whose address is not on Namecheap's allow-list is refused with a
// permanent error that says what to do, and nothing changes.
func TestAllowList(t *testing.T) {
	ctx := context.Background()
	s, r := start(t)
	s.SetAllowList([]string{"203.0.113.7"})
	_, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "a.ns.new.org."}})
	if !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "1011150") || !strings.Contains(err.Error(), "allow-listed") {
		t.Errorf("off the allow-list: %v", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error carries the key: %v", err)
	}
	if got := s.Nameservers("example.com"); !slices.Equal(got, []string{"dns1.registrar-servers.com", "dns2.registrar-servers.com"}) {
		t.Errorf("refused call changed the domain: %v", got)
	}
	// ClientIp must be allow-listed too, not only the source address.
	s.SetAllowList([]string{"127.0.0.1"})
	other, _ := New(Config{APIUser: user, APIKey: key, ClientIP: "198.51.100.9", Endpoint: s.URL})
	if _, err := other.Nameservers(ctx, "example.com."); !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "1011150") {
		t.Errorf("ClientIp not allow-listed: %v", err)
	}
	if _, err := New(Config{APIUser: user, APIKey: key, ClientIP: "2001:db8::1"}); err == nil {
		t.Errorf("IPv6 client_ip accepted (Namecheap takes IPv4 only)")
	}
}

func TestMultiLabelTLD(t *testing.T) {
	s, r := start(t)
	if _, err := r.SetNameservers(context.Background(), "Example.CO.UK.", nameserver.Set{{Name: "x.ns.new.org."}, {Name: "y.ns.new.org."}}); err != nil {
		t.Fatal(err)
	}
	if got := s.Nameservers("example.co.uk"); !slices.Equal(got, []string{"x.ns.new.org", "y.ns.new.org"}) {
		t.Errorf("example.co.uk holds %v", got)
	}
}
