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
	"github.com/twinzone/twinzone/providers/registrar/dnsimple"
	"github.com/twinzone/twinzone/providers/registrar/exec"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/godaddy"
	"github.com/twinzone/twinzone/providers/registrar/manual"
	"github.com/twinzone/twinzone/providers/registrar/namecheap"
	"github.com/twinzone/twinzone/providers/registrar/namecom"
	"github.com/twinzone/twinzone/providers/registrar/ovh"
	"github.com/twinzone/twinzone/providers/registrar/porkbun"
	"github.com/twinzone/twinzone/providers/registrar/rfc2136"
	"github.com/twinzone/twinzone/providers/registrar/route53domains"
)

// reg is a registrar as config.Load returns it, its type's row from the table.
func reg(name, typ string, settings any) *config.Registrar {
	r := &config.Registrar{Name: name, Type: typ, Settings: settings}
	for _, row := range Table() {
		if row.Config.Name == typ {
			r.Spec = &row.Config
		}
	}
	return r
}

func TestOpenEveryType(t *testing.T) {
	secret := config.NewSecret("s3cret-value", "X")
	cases := []struct {
		reg  *config.Registrar
		want string // adapter type
	}{
		{reg("p", "rfc2136", &rfc2136.Settings{TSIG: config.TSIG{Server: "127.0.0.1:53", KeyName: "k.", KeyAlg: "hmac-sha256", Key: config.NewSecret("c2VjcmV0", "")}, Zone: "test."}), "*rfc2136.Registrar"},
		{reg("r", "route53domains", &route53domains.Settings{AWS: config.AWS{Endpoint: "http://127.0.0.1:1", AccessKeyID: secret, SecretAccessKey: secret}}), "*route53domains.Registrar"},
		{reg("g", "gandi", &gandi.Settings{APIToken: secret}), "*gandi.Registrar"},
		{reg("d", "dnsimple", &dnsimple.Settings{APIToken: secret, Account: "1"}), "*dnsimple.Registrar"},
		{reg("b", "porkbun", &porkbun.Settings{APIKey: secret, SecretAPIKey: secret}), "*porkbun.Registrar"},
		{reg("e", "exec", &exec.Settings{Command: []string{"true"}}), "*exec.Registrar"},
		{reg("m", "manual", &manual.Settings{}), "*manual.Registrar"},
		{reg("n", "namecom", &namecom.Settings{Username: "u", APIToken: secret}), "*namecom.Registrar"},
		{reg("c", "namecheap", &namecheap.Settings{APIUser: "u", APIKey: secret, ClientIP: "192.0.2.1"}), "*namecheap.Registrar"},
		{reg("o", "ovh", &ovh.Settings{ApplicationKey: "ak", ApplicationSecret: secret, ConsumerKey: secret}), "*ovh.Registrar"},
		{reg("y", "godaddy", &godaddy.Settings{APIKey: secret, APISecret: secret}), "*godaddy.Registrar"},
	}
	if len(cases) != len(Table()) {
		t.Errorf("%d cases for %d table rows", len(cases), len(Table()))
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
	_, err := Open(context.Background(), reg("d", "dnsimple", &dnsimple.Settings{APIToken: config.NewSecret("s3cret-value", "")}), nil)
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
	r, err := OpenWith(context.Background(), reg("m", "manual", &manual.Settings{}), nil, Options{Reader: reader, Out: &out})
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
