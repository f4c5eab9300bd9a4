package check

import (
	"context"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// checkRegistrarTraps reports the known traps of the zone's registrar (registrar.Trapper:
// the facts live in the registrar's folder), one warning each.
func checkRegistrarTraps(ctx context.Context, o *Options, zc *config.Zone) []Finding {
	rc := o.Config.Registrars[zc.Registrar]
	if rc == nil || o.OpenRegistrar == nil {
		return nil // reported by the credentials check
	}
	reg, err := o.OpenRegistrar(ctx, rc)
	if err != nil {
		return nil // reported by the credentials check
	}
	tr, ok := reg.(registrar.Trapper)
	if !ok {
		return nil
	}
	var out []Finding
	for _, t := range tr.Traps(zc.Name, zc.Primary.Nameservers, zc.Secondary.Nameservers) {
		out = append(out, Finding{Check: CheckRegistrarTraps, Subject: rc.Name, Severity: Warn, Message: t.Message, Fix: t.Fix})
	}
	return out
}
