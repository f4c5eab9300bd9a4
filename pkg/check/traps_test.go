package check

import (
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/providers/registrar/gandi"
	"github.com/twinzone/twinzone/providers/registrar/godaddy"
	"github.com/twinzone/twinzone/providers/registrar/namecheap"
	"github.com/twinzone/twinzone/providers/registrar/ovh"
)

// TestRegistrarTraps: check reports the documented traps of the new registrars (Namecheap's
// IP allow-list, GoDaddy's account restriction, OVH's nameServerType) and the missing glue of
// registrars that send none, when a nameserver is inside the zone. No API is called: the
// traps come from the registrar's folder.
func TestRegistrarTraps(t *testing.T) {
	secret := config.NewSecret("value-123456", "${X}")
	cases := []struct {
		reg   *config.Registrar
		parts []string
	}{
		{testRegistrar("nc", "namecheap", &namecheap.Settings{APIUser: "u", APIKey: secret, ClientIP: "203.0.113.5"}),
			[]string{"allow-listed", "203.0.113.5", "1011150"}},
		{testRegistrar("gd", "godaddy", &godaddy.Settings{APIKey: secret, APISecret: secret}),
			[]string{"10 or more domains", "Discount Domain Club"}},
		{testRegistrar("ovh", "ovh", &ovh.Settings{ApplicationKey: "ak", ApplicationSecret: secret, ConsumerKey: secret}),
			[]string{"nameServerType", "external"}},
		{testRegistrar("gandi", "gandi", &gandi.Settings{APIToken: secret}),
			[]string{"Gandi sends no glue", "ns1.example.test."}},
	}
	for _, c := range cases {
		f := newFixture(t, config.ModeSwitch)
		f.cfg.Registrars[c.reg.Name] = c.reg
		f.zone.Registrar = c.reg.Name
		f.zone.Secondary.Nameservers = nameserver.Set{{Name: "ns1.example.test."}, {Name: "b.ns.other.net."}}
		fs := only(f.run(t, ""), CheckRegistrarTraps)
		found := false
		for _, x := range fs {
			ok := x.Severity == Warn && x.Fix != ""
			for _, p := range c.parts {
				ok = ok && strings.Contains(x.Message, p)
			}
			found = found || ok
		}
		if !found {
			t.Errorf("%s: registrar-traps findings %+v, want a warning with %q", c.reg.Type, fs, c.parts)
		}
	}
	// A registrar outside the zone's names and without documented traps reports none.
	f := newFixture(t, config.ModeSwitch)
	f.cfg.Registrars["gandi"] = cases[3].reg
	f.zone.Registrar = "gandi"
	f.zone.Secondary.Nameservers = nameserver.Set{{Name: "b.ns.other.net."}}
	if fs := only(f.run(t, ""), CheckRegistrarTraps); len(fs) != 0 {
		t.Errorf("gandi without in-zone nameservers: %+v", fs)
	}
}
