package check

import (
	"context"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/providers/dns/cloudflare/cfemu"
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

// A name proxied in Cloudflare's dashboard but not under the zone's proxied key draws a
// warning: the other provider would serve its origin addresses after a failover.
func TestUnlistedProxiedName(t *testing.T) {
	e := newCloudEnv(t, config.ModeActiveActive)
	zoneID := e.cfz
	for _, name := range []string{"www", "shop"} {
		if _, err := e.cf.Seed(zoneID, cfemu.Record{Name: name, Type: "A", Content: "192.0.2.10", Proxied: true}); err != nil {
			t.Fatal(err)
		}
	}
	e.f.zone.Proxied = []config.Proxied{{Name: "shop." + testZone, Secondary: config.ProxiedEdge}}
	ctx := context.Background()
	provs := openProviders(ctx, &e.f.opts, e.f.zone)
	checkCredentials(ctx, &e.f.opts, e.f.zone, provs) // lists the zone
	var fs []Finding
	for _, f := range checkCloudflare(ctx, &e.f.opts, e.f.zone, provs) {
		if strings.Contains(f.Message, "proxied") {
			fs = append(fs, f)
		}
	}
	want(t, fs, "a", Warn, "www."+testZone+" is proxied on Cloudflare (a) but not listed under the zone's proxied key", "proxied: {www: edge}")
	for _, f := range fs {
		if strings.Contains(f.Message, "shop.") {
			t.Errorf("a listed name was reported: %s", f.Message)
		}
	}
}
