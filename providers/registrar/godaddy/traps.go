package godaddy

import (
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

var _ registrar.Trapper = (*Registrar)(nil)

// Traps: the account restriction, always; glue is not sent.
func (r *Registrar) Traps(domain string, sets ...nameserver.Set) []registrar.Trap {
	return append([]registrar.Trap{{
		Message: AccessRestriction + ": an account that drops below that loses API access, and the failover fails with 403 ACCESS_DENIED",
		Fix:     "keep the account eligible (the credentials check proves access today), and keep a second way to change the nameservers (GoDaddy's web console) in the runbook",
	}}, registrar.NoGlueTraps("GoDaddy", domain, sets...)...)
}
