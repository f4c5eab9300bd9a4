package namecheap

import (
	"fmt"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

var _ registrar.Trapper = (*Registrar)(nil)

// Traps: the IP allow-list, always; glue is not sent.
func (r *Registrar) Traps(domain string, sets ...nameserver.Set) []registrar.Trap {
	return append([]registrar.Trap{{
		Message: fmt.Sprintf("Namecheap answers only allow-listed IPv4 addresses, and twinzone calls it as %s: a failover run from another host (a standby controller, a laptop during an outage) is refused with error 1011150", r.cfg.ClientIP),
		Fix:     "allow-list the public IPv4 address of every host that may run twinzone failover (Profile → Tools → API Access), and set client_ip per host",
	}}, registrar.NoGlueTraps("Namecheap", domain, sets...)...)
}
