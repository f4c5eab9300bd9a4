package check

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/zone"
)

// soaProvider serves only an SOA with serial (or fails with err).
type soaProvider struct {
	serial string
	err    error
}

func (p soaProvider) Records(context.Context, string) ([]zone.RRset, error) {
	if p.err != nil {
		return nil, p.err
	}
	return []zone.RRset{{Name: "example.com.", Type: dns.TypeSOA, TTL: 60, Values: []string{"ns1.example.com. h.example.com. " + p.serial + " 1 1 1 1"}}}, nil
}
func (soaProvider) Apply(context.Context, string, []plan.Change) error { return nil }

type roSOA struct{ soaProvider }

func (roSOA) TransferTimeout() time.Duration { return time.Second }

func TestCheckTransfer(t *testing.T) {
	zc := &config.Zone{Name: "example.com.", Primary: config.ProviderRef{Provider: "pri"}, Secondary: config.ProviderRef{Provider: "sec"}}
	opened := func(pri, sec any) []openedProvider {
		return []openedProvider{
			{Role: "primary", Cfg: &zc.Primary, Def: &config.Provider{Name: "pri", Type: "rfc2136"}, P: pri.(soaProvider)},
			{Role: "secondary", Cfg: &zc.Secondary, Def: &config.Provider{Name: "sec", Type: "axfr"}, P: sec.(roSOA)},
		}
	}
	for _, tc := range []struct {
		name     string
		pri, sec any
		sev      Severity
		want     string
	}{
		{"same serial", soaProvider{serial: "7"}, roSOA{soaProvider{serial: "7"}}, OK, "verify-only (fed by zone transfer, never written): AXFR works and its SOA serial 7 is the primary's"},
		{"behind", soaProvider{serial: "8"}, roSOA{soaProvider{serial: "7"}}, Fail, "serves SOA serial 7, the primary pri 8: it has not transferred"},
		{"AXFR refused", soaProvider{serial: "8"}, roSOA{soaProvider{err: errors.New("xfr rcode REFUSED")}}, Fail, "AXFR failed: xfr rcode REFUSED"},
		{"primary unreadable", soaProvider{err: errors.New("down")}, roSOA{soaProvider{serial: "7"}}, Warn, "the primary pri could not be read"},
	} {
		fs := checkTransfer(context.Background(), zc, opened(tc.pri, tc.sec))
		if len(fs) != 1 || fs[0].Severity != tc.sev || fs[0].Check != CheckTransfer || fs[0].Subject != "sec" || !strings.Contains(fs[0].Message, tc.want) {
			t.Errorf("%s: %+v", tc.name, fs)
		}
	}
	// No verify-only provider: no finding.
	plain := []openedProvider{{Role: "primary", Cfg: &zc.Primary, Def: &config.Provider{Name: "pri", Type: "rfc2136"}, P: soaProvider{serial: "1"}}}
	if fs := checkTransfer(context.Background(), zc, plain); len(fs) != 0 {
		t.Errorf("findings without a verify-only provider: %+v", fs)
	}
}
