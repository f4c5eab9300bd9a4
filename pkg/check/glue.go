package check

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// CheckGlue names findings about the glue a registrar sends for in-domain nameservers.
const CheckGlue = "glue"

// checkGlue reports nameservers inside the zone whose configured addresses the registrar
// would not all send as glue (Route 53 Domains takes one IPv4 and one IPv6 address each), so
// the operator learns it now rather than from a failover. Registrars without the
// registrar.GlueLimiter capability send what they are given: no finding.
func checkGlue(ctx context.Context, o *Options, zc *config.Zone) []Finding {
	rc := o.Config.Registrars[zc.Registrar]
	if rc == nil || o.OpenRegistrar == nil {
		return nil // reported by the credentials check
	}
	reg, err := o.OpenRegistrar(ctx, rc)
	if err != nil {
		return nil // reported by the credentials check
	}
	gl, ok := reg.(registrar.GlueLimiter)
	if !ok {
		return nil
	}
	var out []Finding
	for _, role := range []struct {
		name string
		zp   config.ProviderRef
	}{{"primary", zc.Primary}, {"secondary", zc.Secondary}} {
		for _, ns := range role.zp.Nameservers {
			sent, dropped := gl.Glue(zc.Name, ns)
			if len(dropped) == 0 {
				continue
			}
			out = append(out, Finding{Check: CheckGlue, Subject: rc.Name, Severity: Warn,
				Message: fmt.Sprintf("registrar %s (%s) takes one IPv4 and one IPv6 glue address per nameserver: for %s (%s) it sends %s and leaves out %s",
					rc.Name, rc.Type, ns.Name, role.name, addrs(sent), addrs(dropped)),
				Fix: fmt.Sprintf("list the address you want as glue first for %s (the others are still probed), or use a nameserver outside %s", ns.Name, zc.Name)})
		}
	}
	return out
}

func addrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
