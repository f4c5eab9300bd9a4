package dnsimple

import (
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

var _ registrar.Trapper = (*Registrar)(nil)

// Traps: glue is not sent.
func (r *Registrar) Traps(domain string, sets ...nameserver.Set) []registrar.Trap {
	return registrar.NoGlueTraps("DNSimple", domain, sets...)
}
