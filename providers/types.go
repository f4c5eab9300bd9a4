// Package providers is the config side of this build: the DNS provider types of providers/dns
// and the registrar types of providers/registrar, which config.Load is given.
package providers

import (
	"github.com/twinzone/twinzone/pkg/config"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

// Types returns every type a config may name.
func Types() config.Types {
	t := dnsproviders.Types()
	t.Registrars = registrars.ConfigTypes()
	return t
}
