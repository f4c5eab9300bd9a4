package registrar

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
)

// Trap is a documented limit of a registrar that can make a failover fail, as `check`
// reports it: what goes wrong and how to avoid it.
type Trap struct {
	Message string
	Fix     string
}

// Trapper is an optional capability: a registrar with known traps lists those that apply to
// domain delegated to sets (the primary's and the secondary's nameservers). The facts live in
// the registrar's folder; `check` reports each one.
type Trapper interface {
	Traps(domain string, sets ...nameserver.Set) []Trap
}

// NoGlueTraps is the trap of a registrar whose adapter sends no glue: one per in-bailiwick
// nameserver of sets (a name inside domain, which resolvers cannot reach without glue).
func NoGlueTraps(company, domain string, sets ...nameserver.Set) []Trap {
	d := strings.ToLower(dns.Fqdn(domain))
	var out []Trap
	for _, s := range sets {
		for _, ns := range s {
			if name := strings.ToLower(dns.Fqdn(ns.Name)); dns.IsSubDomain(d, name) {
				out = append(out, Trap{
					Message: fmt.Sprintf("%s sends no glue through this adapter, and %s is inside %s: unless the host is registered at %s with its addresses, the delegation to it cannot resolve", company, name, d, company),
					Fix:     fmt.Sprintf("register %s as a host (child nameserver) at %s before a failover needs it, or use nameservers outside %s", name, company, d),
				})
			}
		}
	}
	return out
}
