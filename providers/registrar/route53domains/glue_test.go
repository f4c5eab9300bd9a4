package route53domains

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53d "github.com/aws/aws-sdk-go-v2/service/route53domains"
	"github.com/aws/aws-sdk-go-v2/service/route53domains/types"
)

// Route 53 Domains takes one IPv4 and one IPv6 glue address per nameserver: a nameserver
// with more addresses (two per family, and a probe port) is sent with the first of each, and
// the failover's registrar call succeeds.
func TestGlueOnePerFamily(t *testing.T) {
	ctx := context.Background()
	emu, r := setup(t)
	set := parse(t, "ns1.example.com.=192.0.2.1:5300,192.0.2.2,[2001:db8::1]:53,2001:db8::2", "ns-1.awsdns-01.org.")
	sent, dropped := r.Glue("example.com.", set[0])
	if !slices.Equal(sent, []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}) ||
		!slices.Equal(dropped, []netip.Addr{netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::2")}) {
		t.Errorf("Glue = %v, dropped %v", sent, dropped)
	}
	if s, d := r.Glue("example.com.", set[1]); s != nil || d != nil {
		t.Errorf("glue for a name outside the domain: %v %v", s, d)
	}
	op, err := r.SetNameservers(ctx, "example.com.", set)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(ctx, "example.com.", op); err != nil {
		t.Fatal(err)
	}
	got := emu.Domain("example.com")
	if len(got) != 2 || strings.Join(got[0].GlueIps, ",") != "192.0.2.1,2001:db8::1" || len(got[1].GlueIps) != 0 {
		t.Errorf("registered %+v", got)
	}
}

// The emulator refuses, as the route53domains model says Route 53 Domains does, two glue
// addresses of one family for one nameserver (driven with the official SDK client).
func TestEmulatorRefusesExtraGlue(t *testing.T) {
	_, r := setup(t)
	for _, glue := range [][]string{{"192.0.2.1", "192.0.2.2"}, {"2001:db8::1", "2001:db8::2"}, {"not-an-ip"}} {
		_, err := r.client.UpdateDomainNameservers(context.Background(), &r53d.UpdateDomainNameserversInput{
			DomainName:  aws.String("example.com"),
			Nameservers: []types.Nameserver{{Name: aws.String("ns1.example.com"), GlueIps: glue}, {Name: aws.String("ns-1.awsdns-01.org")}},
		})
		var ii *types.InvalidInput
		if !errors.As(err, &ii) || !strings.Contains(ii.ErrorMessage(), "glue") {
			t.Errorf("glue %v: %v", glue, err)
		}
	}
}

// A nameserver name outside the model's HostName shape is refused.
func TestEmulatorRefusesBadHostName(t *testing.T) {
	_, r := setup(t)
	_, err := r.client.UpdateDomainNameservers(context.Background(), &r53d.UpdateDomainNameserversInput{
		DomainName: aws.String("example.com"), Nameservers: []types.Nameserver{{Name: aws.String("ns 1.example.net")}}})
	var ii *types.InvalidInput
	if !errors.As(err, &ii) || !strings.Contains(ii.ErrorMessage(), "invalid nameserver name") {
		t.Errorf("got %v", err)
	}
}
