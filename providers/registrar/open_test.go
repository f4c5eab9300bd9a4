package registrars

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

func TestOpenEveryType(t *testing.T) {
	secret := config.NewSecret("s3cret-value", "X")
	cases := []struct {
		reg  *config.Registrar
		want string // adapter type
	}{
		{&config.Registrar{Name: "p", Type: "rfc2136", RFC2136: &config.RFC2136Registrar{Server: "127.0.0.1:53", Zone: "test.", KeyName: "k.", KeyAlg: "hmac-sha256", Key: config.NewSecret("c2VjcmV0", "")}}, "*rfc2136.Registrar"},
		{&config.Registrar{Name: "r", Type: "route53domains", Route53Domains: &config.Route53DomainsRegistrar{Endpoint: "http://127.0.0.1:1", AccessKeyID: secret, SecretAccessKey: secret}}, "*route53domains.Registrar"},
		{&config.Registrar{Name: "g", Type: "gandi", Gandi: &config.GandiRegistrar{APIToken: secret}}, "*gandi.Registrar"},
		{&config.Registrar{Name: "d", Type: "dnsimple", DNSimple: &config.DNSimpleRegistrar{APIToken: secret, Account: "1"}}, "*dnsimple.Registrar"},
		{&config.Registrar{Name: "b", Type: "porkbun", Porkbun: &config.PorkbunRegistrar{APIKey: secret, SecretAPIKey: secret}}, "*porkbun.Registrar"},
		{&config.Registrar{Name: "e", Type: "exec", Exec: &config.ExecRegistrar{Command: []string{"true"}}}, "*exec.Registrar"},
		{&config.Registrar{Name: "m", Type: "manual"}, "*manual.Registrar"},
		{&config.Registrar{Name: "n", Type: "namecom", NameCom: &config.NameComRegistrar{Username: "u", APIToken: secret}}, "*namecom.Registrar"},
		{&config.Registrar{Name: "c", Type: "namecheap", Namecheap: &config.NamecheapRegistrar{APIUser: "u", APIKey: secret, ClientIP: "192.0.2.1"}}, "*namecheap.Registrar"},
		{&config.Registrar{Name: "o", Type: "ovh", OVH: &config.OVHRegistrar{ApplicationKey: "ak", ApplicationSecret: secret, ConsumerKey: secret}}, "*ovh.Registrar"},
		{&config.Registrar{Name: "y", Type: "godaddy", GoDaddy: &config.GoDaddyRegistrar{APIKey: secret, APISecret: secret}}, "*godaddy.Registrar"},
	}
	for _, c := range cases {
		r, err := Open(context.Background(), c.reg, nil)
		if err != nil {
			t.Errorf("%s: %v", c.reg.Type, err)
			continue
		}
		if got := fmt.Sprintf("%T", r); got != c.want {
			t.Errorf("%s: got %s, want %s", c.reg.Type, got, c.want)
		}
	}
}

func TestOpenErrorsHideSecrets(t *testing.T) {
	_, err := Open(context.Background(), &config.Registrar{Name: "d", Type: "dnsimple", DNSimple: &config.DNSimpleRegistrar{APIToken: config.NewSecret("s3cret-value", "")}}, nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), `registrar "d"`) {
		t.Fatalf("error = %v", err)
	}
	if _, err := Open(context.Background(), &config.Registrar{Name: "x", Type: "nope"}, nil); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestOpenWithReaderAndOut(t *testing.T) {
	var out bytes.Buffer
	reader := func(context.Context, string) ([]string, error) { return []string{"a.ns.test."}, nil }
	r, err := OpenWith(context.Background(), &config.Registrar{Name: "m", Type: "manual", Manual: &config.ManualRegistrar{}}, nil, Options{Reader: reader, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	names, err := r.Nameservers(context.Background(), "example.test.")
	if err != nil || len(names) != 1 || names[0] != "a.ns.test." {
		t.Fatalf("Nameservers through the reader: %v, %v", names, err)
	}
	_, err = r.SetNameservers(context.Background(), "example.test.", nameserver.Set{{Name: "b.ns.test."}})
	if !errors.Is(err, registrar.ErrManual) || !strings.Contains(out.String(), "b.ns.test") {
		t.Fatalf("manual SetNameservers: %v, wrote %q", err, out.String())
	}
}
