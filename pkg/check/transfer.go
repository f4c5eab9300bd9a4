package check

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// CheckTransfer reports verify-only providers (provider.ReadOnly): the zone can be transferred
// from them, and their SOA serial is the primary's.
const CheckTransfer = "transfer"

// transferFix says how to repair a verify-only secondary's feed.
const transferFix = "the primary must send it NOTIFY and allow it AXFR (BIND: also-notify and allow-transfer; Knot: notify and an acl with transfer), and it must transfer from the primary's address; then run `twinzone sync`"

// checkTransfer reads each verify-only provider of the zone by AXFR and compares its SOA
// serial with the primary's: equal means it transferred the primary's latest version.
func checkTransfer(ctx context.Context, zc *config.Zone, provs []openedProvider) []Finding {
	var out []Finding
	var primary *openedProvider
	for i := range provs {
		if _, ro := provs[i].P.(provider.ReadOnly); provs[i].P != nil && !ro {
			primary = &provs[i]
			break
		}
	}
	for _, op := range provs {
		if _, ro := op.P.(provider.ReadOnly); op.Err != nil || !ro {
			continue
		}
		f := Finding{Check: CheckTransfer, Subject: op.Cfg.Provider}
		what := fmt.Sprintf("%s provider %s (%s) is verify-only (fed by zone transfer, never written)", op.Role, op.Cfg.Provider, op.Def.Type)
		serial, err := soaSerial(ctx, op.P, zc.Name)
		if err != nil {
			f.Severity, f.Message, f.Fix = Fail, what+": AXFR failed: "+err.Error(), credentialFix(op.Def)
			out = append(out, f)
			continue
		}
		if primary == nil {
			f.Severity, f.Message = Warn, fmt.Sprintf("%s: AXFR works (SOA serial %d); no writable provider to compare the serial with", what, serial)
			out = append(out, f)
			continue
		}
		pserial, err := soaSerial(ctx, primary.P, zc.Name)
		switch {
		case err != nil:
			f.Severity, f.Message = Warn, fmt.Sprintf("%s: AXFR works (SOA serial %d); the primary %s could not be read to compare: %v", what, serial, primary.Cfg.Provider, err)
		case serial != pserial:
			f.Severity = Fail
			f.Message = fmt.Sprintf("%s: AXFR works but it serves SOA serial %d, the primary %s %d: it has not transferred the primary's latest version", what, serial, primary.Cfg.Provider, pserial)
			f.Fix = transferFix
		default:
			f.Severity = OK
			f.Message = fmt.Sprintf("%s: AXFR works and its SOA serial %d is the primary's", what, serial)
		}
		out = append(out, f)
	}
	return out
}

// soaSerial reads p's zone and returns its SOA serial.
func soaSerial(ctx context.Context, p provider.Provider, origin string) (uint32, error) {
	cctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	sets, err := p.Records(cctx, origin)
	if err != nil {
		return 0, err
	}
	return serialOf(sets, origin)
}

func serialOf(sets []zone.RRset, origin string) (uint32, error) {
	for _, s := range sets {
		if s.Type != dns.TypeSOA || !strings.EqualFold(s.Name, origin) || len(s.Values) == 0 {
			continue
		}
		if f := strings.Fields(s.Values[0]); len(f) >= 3 {
			if n, err := strconv.ParseUint(f[2], 10, 32); err == nil {
				return uint32(n), nil
			}
		}
	}
	return 0, fmt.Errorf("no SOA record for %s", origin)
}
