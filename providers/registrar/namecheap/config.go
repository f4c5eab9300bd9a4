package namecheap

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are a namecheap registrar's keys in twinzone.yaml.
type Settings struct {
	APIUser  string
	APIKey   config.Secret
	UserName string // default APIUser
	ClientIP string // the allow-listed public IPv4 address twinzone calls from
	Endpoint string // default https://api.namecheap.com/xml.response
}

// ConfigType is the namecheap row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "namecheap", Decode: decode, Company: "Namecheap",
		CredentialHint: "check the Namecheap API user and key, that API access is enabled for the account, and that this host's public IPv4 address is on its API allow-list and in client_ip"}
}

func ipv4(s string) error {
	if ip, err := netip.ParseAddr(s); err != nil || !ip.Is4() {
		return fmt.Errorf("%q is not an IPv4 address (Namecheap allow-lists IPv4 only)", s)
	}
	return nil
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.String("api_user", &s.APIUser)
	f.Secret("api_key", "NAMECHEAP_API_KEY", &s.APIKey)
	f.String("username", &s.UserName)
	f.StringValid("client_ip", &s.ClientIP, ipv4)
	f.URL("endpoint", &s.Endpoint)
	f.Require("api_key", "NAMECHEAP_API_KEY", &s.APIKey)
	f.RequireString("api_user", "the Namecheap API user", &s.APIUser)
	f.RequireString("client_ip", "this host's public IPv4 address, on the account's API allow-list", &s.ClientIP)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, _ registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{APIUser: s.APIUser, APIKey: s.APIKey.Reveal(), UserName: s.UserName, ClientIP: s.ClientIP, Endpoint: s.Endpoint})
	if err != nil {
		return nil, err
	}
	return r, nil
}
