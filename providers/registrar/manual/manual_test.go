package manual

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

func TestSteps(t *testing.T) {
	var out bytes.Buffer
	r, _ := New(Config{Out: &out, Registrar: "Namecheap"})
	a, _ := nameserver.Parse("ns1.example.com.=192.0.2.1,[2001:db8::1]:53")
	b, _ := nameserver.Parse("b.ns.other.net.=198.51.100.7")
	_, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{a, b})
	if !errors.Is(err, registrar.ErrManual) {
		t.Fatalf("err = %v, want ErrManual", err)
	}
	want := `ACTION REQUIRED: change the nameservers of example.com at Namecheap by hand.

1. Sign in to Namecheap and open the nameserver (DNS delegation) settings of example.com.
2. Replace ALL nameservers with exactly these 2 (remove every other one):
     ns1.example.com
     b.ns.other.net
3. These nameservers are inside example.com: register their addresses (glue / child hosts):
     ns1.example.com  A  192.0.2.1
     ns1.example.com  AAAA  2001:db8::1
4. Save. The registry usually publishes the change within minutes; check it with
     twinzone status --zone example.com.
   or ask a server of the parent zone directly: dig +norec NS example.com @<parent server>
`
	if out.String() != want {
		t.Errorf("steps:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestNameservers(t *testing.T) {
	r, _ := New(Config{})
	if _, err := r.Nameservers(context.Background(), "example.com."); !errors.Is(err, registrar.ErrUnsupported) {
		t.Errorf("no reader: %v", err)
	}
	r, _ = New(Config{Reader: func(context.Context, string) ([]string, error) { return []string{"a.ns.net."}, nil }})
	if got, err := r.Nameservers(context.Background(), "example.com."); err != nil || len(got) != 1 || got[0] != "a.ns.net." {
		t.Errorf("reader: %v, %v", got, err)
	}
}
