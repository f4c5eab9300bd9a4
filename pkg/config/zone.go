package config

import (
	"os"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"go.yaml.in/yaml/v3"

	"github.com/twinzone/twinzone/pkg/nameserver"
)

// defaultZone returns a zone with every default of the schema applied.
func defaultZone() *Zone {
	return &Zone{
		Mode:   ModeActiveActive,
		Safety: Safety{MaxChangeFraction: DefaultMaxChangeFraction, MinExisting: DefaultMinExisting},
		Probe: Probe{
			Interval: DefaultProbeInterval, Timeout: DefaultProbeTimeout,
			FailAfter: DefaultFailAfter, RecoverAfter: DefaultRecoverAfter,
			Quorum: DefaultQuorum, TCPEvery: DefaultTCPEvery,
		},
		Failover: Failover{
			Auto: true, Cooldown: DefaultCooldown, MaxPerDay: DefaultMaxPerDay,
			Failback: FailbackManual, RequireInSync: true, PropagationTimeout: DefaultPropagationTimeout,
			RetryEvery: DefaultRetryEvery,
		},
	}
}

// zones decodes the zones list. Providers and registrars must be decoded already.
func (d *decoder) zones(n *yaml.Node, path string, c *Config) {
	seen := map[string]int{}
	for i, item := range d.list(n, path) {
		zpath := index(path, i)
		item = resolve(item)
		if item == nil || item.Kind != yaml.MappingNode {
			d.errorf(item, zpath, "expected a mapping (name, file, primary, secondary, ...), got %s", kindName(item))
			continue
		}
		z := defaultZone()
		z.Line = item.Line
		var nameNode, fileNode, primNode, secNode, proxNode *yaml.Node
		d.fields(item, zpath, map[string]func(string, *yaml.Node){
			"name": func(path string, v *yaml.Node) {
				nameNode = resolve(v)
				d.zoneName(v, path, &z.Name)
			},
			"file": func(path string, v *yaml.Node) {
				fileNode = resolve(v)
				d.zoneFile(v, path, &z.File)
			},
			"primary":   func(path string, v *yaml.Node) { primNode = resolve(v); d.providerRef(v, path, c, &z.Primary) },
			"secondary": func(path string, v *yaml.Node) { secNode = resolve(v); d.providerRef(v, path, c, &z.Secondary) },
			"registrar": func(path string, v *yaml.Node) {
				if d.str(v, path, &z.Registrar) && z.Registrar != "" {
					if _, ok := c.Registrars[z.Registrar]; !ok && !d.declared[join("registrars", z.Registrar)] {
						d.errorf(resolve(v), path, "registrar %q is not defined under registrars%s", z.Registrar, didYouMean(z.Registrar, keys(c.Registrars)))
					}
				}
			},
			"mode": func(path string, v *yaml.Node) {
				var m string
				d.oneOf(v, path, &m, string(ModeActiveActive), string(ModeSwitch))
				if m != "" {
					z.Mode = Mode(m)
				}
			},
			"manage_apex_ns": func(path string, v *yaml.Node) { d.boolean(v, path, &z.ManageApexNS) },
			"ignore":         func(path string, v *yaml.Node) { d.ignoreRules(v, path, z) },
			"safety": func(path string, v *yaml.Node) {
				d.fields(v, path, map[string]func(string, *yaml.Node){
					"max_change_fraction": func(path string, v *yaml.Node) { d.fraction(v, path, &z.Safety.MaxChangeFraction) },
					"min_existing":        func(path string, v *yaml.Node) { d.integer(v, path, 0, &z.Safety.MinExisting) },
				})
			},
			"proxied":  func(path string, v *yaml.Node) { proxNode = v; d.proxied(v, path, z) },
			"probe":    func(path string, v *yaml.Node) { d.probe(v, path, &z.Probe) },
			"failover": func(path string, v *yaml.Node) { d.failover(v, path, &z.Failover) },
		})
		// Required keys and cross-checks.
		switch {
		case nameNode == nil:
			d.errorf(item, zpath, "missing key \"name\"")
		case z.Name != "":
			if first, dup := seen[z.Name]; dup {
				d.errorf(nameNode, join(zpath, "name"), "zone %s is defined twice (first at line %d)", z.Name, first)
			} else {
				seen[z.Name] = nameNode.Line
			}
		}
		if fileNode == nil {
			d.errorf(item, zpath, "missing key \"file\" (the zone's master file)")
		}
		if primNode == nil {
			d.errorf(item, zpath, "missing key \"primary\"")
		}
		if secNode == nil {
			d.errorf(item, zpath, "missing key \"secondary\"")
		}
		if z.Primary.Provider != "" && z.Primary.Provider == z.Secondary.Provider {
			d.errorf(secNode, join(zpath, "secondary.provider"), "provider %q is already the primary: the secondary must be a different provider", z.Secondary.Provider)
		}
		d.overlap(z, secNode, zpath)
		d.verifyOnly(z, c, primNode, zpath)
		d.finishProxied(z, c, proxNode, join(zpath, "proxied"))
		if z.Registrar == "" && z.Failover.Auto {
			c.Warnings = append(c.Warnings, d.file+":"+strconv.Itoa(z.Line)+": zone "+z.Name+" has no registrar: automatic failover is disabled until one is configured")
		}
		c.Zones = append(c.Zones, z)
	}
}

func (d *decoder) zoneName(v *yaml.Node, path string, dst *string) {
	var s string
	if !d.requiredStr(v, path, "zone name", &s) {
		return
	}
	s = canonicalZoneName(s)
	if !validName(s, false) || s == "." {
		d.errorf(resolve(v), path, "%q is not a valid zone name", s)
		return
	}
	*dst = s
}

func (d *decoder) zoneFile(v *yaml.Node, path string, dst *string) {
	var p string
	if !d.path(v, path, &p) {
		if isNull(resolve(v)) {
			d.errorf(resolve(v), path, "empty path: want the zone's master file")
		}
		return
	}
	st, err := os.Stat(p)
	switch {
	case err != nil && os.IsNotExist(err) && d.missingZoneFiles:
		*dst = p
	case err != nil && os.IsNotExist(err):
		d.errorf(resolve(v), path, "zone file %s does not exist (`twinzone import PROVIDER --output %s` writes it from a provider)", p, p)
	case err != nil:
		d.errorf(resolve(v), path, "zone file: %v", err)
	case !st.Mode().IsRegular():
		d.errorf(resolve(v), path, "zone file %s is not a regular file", p)
	default:
		*dst = p
	}
}

// providerRef decodes {provider, nameservers}.
func (d *decoder) providerRef(n *yaml.Node, path string, c *Config, dst *ProviderRef) {
	var provNode *yaml.Node
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"provider": func(path string, v *yaml.Node) {
			provNode = resolve(v)
			if !d.requiredStr(v, path, "provider name", &dst.Provider) {
				return
			}
			if _, ok := c.Providers[dst.Provider]; !ok && !d.declared[join("providers", dst.Provider)] {
				d.errorf(resolve(v), path, "provider %q is not defined under providers%s", dst.Provider, didYouMean(dst.Provider, keys(c.Providers)))
			}
		},
		"nameservers": func(path string, v *yaml.Node) {
			seen := map[string]bool{}
			for i, item := range d.list(v, path) {
				var s string
				if !d.str(item, index(path, i), &s) {
					continue
				}
				ns, err := nameserver.Parse(s)
				if err != nil {
					d.errorf(resolve(item), index(path, i), "%v", err)
					continue
				}
				if seen[ns.Name] {
					d.errorf(resolve(item), index(path, i), "nameserver %s is listed twice", ns.Name)
					continue
				}
				seen[ns.Name] = true
				dst.Nameservers = append(dst.Nameservers, ns)
			}
		},
	})
	if n = resolve(n); provNode == nil && (isNull(n) || n.Kind == yaml.MappingNode) {
		d.errorf(n, path, "missing key \"provider\"")
	}
}

// overlap reports nameserver names shared by the primary and the secondary: a failover
// between them would change nothing.
func (d *decoder) overlap(z *Zone, secNode *yaml.Node, zpath string) {
	prim := map[string]bool{}
	for _, ns := range z.Primary.Nameservers {
		prim[ns.Name] = true
	}
	for _, ns := range z.Secondary.Nameservers {
		if prim[ns.Name] {
			d.errorf(secNode, join(zpath, "secondary.nameservers"), "nameserver %s is also a primary nameserver: the two sets must be distinct", ns.Name)
		}
	}
}

func (d *decoder) ignoreRules(n *yaml.Node, path string, z *Zone) {
	// The zone name may come later in the mapping; rules are made absolute in finishZone.
	for i, item := range d.list(n, path) {
		ipath := index(path, i)
		var r IgnoreRule
		var nameNode *yaml.Node
		d.fields(item, ipath, map[string]func(string, *yaml.Node){
			"name": func(path string, v *yaml.Node) {
				nameNode = resolve(v)
				if d.str(v, path, &r.Name) {
					r.Name = strings.ToLower(r.Name)
					abs := r.Name
					if !strings.HasSuffix(abs, ".") {
						abs += ".example."
					}
					if r.Name != "@" && !validName(abs, true) {
						d.errorf(nameNode, path, "%q is not a name pattern (a domain name, \"*\" matching any characters)", r.Name)
						r.Name = ""
					}
				}
			},
			"type": func(path string, v *yaml.Node) {
				if !d.str(v, path, &r.Type) || r.Type == "" {
					return
				}
				r.Type = strings.ToUpper(r.Type)
				if _, ok := dns.StringToType[r.Type]; !ok {
					d.errorf(resolve(v), path, "unknown record type %q", r.Type)
					r.Type = ""
				}
			},
		})
		if nameNode == nil {
			d.errorf(resolve(item), ipath, "missing key \"name\"")
			continue
		}
		if r.Name != "" {
			z.Ignore = append(z.Ignore, r)
		}
	}
}

// finishIgnore makes relative ignore patterns absolute under the zone.
func (d *decoder) finishIgnore(z *Zone) {
	for i := range z.Ignore {
		r := &z.Ignore[i]
		if !strings.HasSuffix(r.Name, ".") && z.Name != "" {
			if r.Name == "@" {
				r.Name = z.Name
			} else {
				r.Name += "." + z.Name
			}
		}
	}
}

func (d *decoder) probe(n *yaml.Node, path string, p *Probe) {
	var at *yaml.Node // where to report timeout > interval
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"interval": func(path string, v *yaml.Node) {
			d.duration(v, path, 100e6, &p.Interval)
			if at == nil {
				at = resolve(v)
			}
		},
		"timeout": func(path string, v *yaml.Node) {
			d.duration(v, path, 10e6, &p.Timeout)
			at = resolve(v)
		},
		"fail_after":    func(path string, v *yaml.Node) { d.integer(v, path, 1, &p.FailAfter) },
		"recover_after": func(path string, v *yaml.Node) { d.integer(v, path, 1, &p.RecoverAfter) },
		"tcp_every":     func(path string, v *yaml.Node) { d.integer(v, path, 0, &p.TCPEvery) },
		"quorum": func(path string, v *yaml.Node) {
			var s string
			if !d.str(v, path, &s) {
				return
			}
			s = strings.ToLower(s)
			switch s {
			case "all", "majority", "any":
				p.Quorum = s
				return
			}
			if k, err := strconv.Atoi(s); err == nil && k >= 1 {
				p.Quorum = strconv.Itoa(k)
				return
			}
			d.errorf(resolve(v), path, "%q is not a quorum: want all, majority, any or a positive integer", s)
		},
	})
	if p.Timeout > p.Interval {
		if at == nil {
			at = resolve(n)
		}
		d.errorf(at, join(path, "timeout"), "%v is longer than the probe interval %v", p.Timeout, p.Interval)
	}
}

func (d *decoder) failover(n *yaml.Node, path string, f *Failover) {
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"auto":            func(path string, v *yaml.Node) { d.boolean(v, path, &f.Auto) },
		"cooldown":        func(path string, v *yaml.Node) { d.duration(v, path, 0, &f.Cooldown) },
		"max_per_day":     func(path string, v *yaml.Node) { d.integer(v, path, 0, &f.MaxPerDay) },
		"require_in_sync": func(path string, v *yaml.Node) { d.boolean(v, path, &f.RequireInSync) },
		"propagation_timeout": func(path string, v *yaml.Node) {
			d.duration(v, path, 1e9, &f.PropagationTimeout)
		},
		"retry_every": func(path string, v *yaml.Node) { d.duration(v, path, 1e9, &f.RetryEvery) },
		"failback": func(path string, v *yaml.Node) {
			var s string
			d.oneOf(v, path, &s, string(FailbackManual), string(FailbackAuto))
			if s != "" {
				f.Failback = Failback(s)
			}
		},
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func didYouMean(s string, candidates []string) string {
	if c := suggest(s, candidates); c != "" {
		return " (did you mean " + strconv.Quote(c) + "?)"
	}
	return ""
}

// verifyOnly refuses a zone whose primary is a verify-only provider (one twinzone cannot
// write): sync writes the primary and the verify-only secondary proves, by its stamp, that it
// transferred it; with nothing writable, or only the secondary, nothing would feed the zone.
func (d *decoder) verifyOnly(z *Zone, c *Config, primNode *yaml.Node, zpath string) {
	ro := func(name string) (string, bool) {
		p := c.Providers[name]
		if p == nil || p.Spec == nil || !p.Spec.VerifyOnly {
			return "", false
		}
		return p.Type, true
	}
	pt, pro := ro(z.Primary.Provider)
	if !pro {
		return
	}
	if st, sro := ro(z.Secondary.Provider); sro {
		d.errorf(primNode, join(zpath, "primary.provider"), "providers %q (type %s) and %q (type %s) are both verify-only: twinzone writes neither, so nothing would bring the zone file to them; make the primary a provider twinzone writes (and that feeds the secondary by zone transfer)",
			z.Primary.Provider, pt, z.Secondary.Provider, st)
		return
	}
	d.errorf(primNode, join(zpath, "primary.provider"), "provider %q (type %s) is verify-only: twinzone never writes it, so it cannot be the primary, the side sync writes; make it the secondary and the provider that feeds it by zone transfer the primary",
		z.Primary.Provider, pt)
}
