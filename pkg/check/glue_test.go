package check

import (
	"context"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
)

// check says beforehand that Route 53 Domains will get only one IPv4 and one IPv6 glue
// address of an in-domain nameserver, and is quiet when there is nothing to leave out.
func TestGlueFinding(t *testing.T) {
	e := newCloudEnv(t, config.ModeSwitch)
	ns1, err := nameserver.Parse("ns1." + testZone + "=192.0.2.1,192.0.2.2,2001:db8::1")
	if err != nil {
		t.Fatal(err)
	}
	e.f.zone.Secondary.Nameservers = nameserver.Set{ns1, {Name: "ns-1.awsdns-01.org."}}
	fs := checkGlue(context.Background(), &e.f.opts, e.f.zone)
	want(t, fs, "domains", Warn, "one IPv4 and one IPv6 glue address", "sends 192.0.2.1, 2001:db8::1 and leaves out 192.0.2.2")
	if len(fs) != 1 {
		t.Errorf("%d findings, want 1: %+v", len(fs), fs)
	}
	ns1.Addrs = ns1.Addrs[:1]
	e.f.zone.Secondary.Nameservers[0] = ns1
	if fs := checkGlue(context.Background(), &e.f.opts, e.f.zone); len(fs) != 0 {
		t.Errorf("findings for glue that fits: %+v", fs)
	}
}
