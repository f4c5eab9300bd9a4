package ovh

import (
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

var _ registrar.Trapper = (*Registrar)(nil)

// Traps: the domain's nameServerType and the consumer key's rights.
func (r *Registrar) Traps(string, ...nameserver.Set) []registrar.Trap {
	return []registrar.Trap{{
		Message: "OVHcloud changes a domain's name servers only when its nameServerType is \"external\" (a \"hosted\" domain uses OVH's own DNS and refuses the change), and only with a consumer key granted POST /domain/*/nameServers/update; the change runs as a registry task (minutes)",
		Fix:     "set nameServerType to external (PUT /domain/{domain}) and create the consumer key with GET /domain/* and POST /domain/*/nameServers/update rights",
	}}
}
