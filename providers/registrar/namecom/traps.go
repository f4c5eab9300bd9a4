package namecom

import (
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

var _ registrar.Trapper = (*Registrar)(nil)

// Traps: glue is not sent (vanity nameservers are registered separately).
func (r *Registrar) Traps(domain string, sets ...nameserver.Set) []registrar.Trap {
	return registrar.NoGlueTraps("Name.com", domain, sets...)
}
