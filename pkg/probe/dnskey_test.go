package probe_test

import (
	"context"
	"testing"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
)

func TestDNSKEY(t *testing.T) {
	s := healthyServer(t)
	p := newProber()
	keys, err := p.DNSKEY(context.Background(), s.Addr, zone)
	if err != nil || len(keys) != 0 {
		t.Fatalf("no keys: %v %v", keys, err)
	}
	rr, err := dns.NewRR(zone + " 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==")
	if err != nil {
		t.Fatal(err)
	}
	s.AddRecords(rr)
	s.SetMode(probetest.TruncateUDP)
	keys, err = p.DNSKEY(context.Background(), s.Addr, zone)
	if err != nil || len(keys) != 1 || keys[0].KeyTag() != rr.(*dns.DNSKEY).KeyTag() {
		t.Fatalf("keys: %v %v", keys, err)
	}
	s.SetMode(probetest.NoAA)
	if _, err := p.DNSKEY(context.Background(), s.Addr, zone); err == nil {
		t.Fatal("no AA: want error")
	}
}
