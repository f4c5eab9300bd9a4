package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// What the other provider serves for a name Cloudflare proxies (Proxied.Secondary).
const (
	// ProxiedOrigin: the zone file's values (the origin's addresses).
	ProxiedOrigin = "origin"
	// ProxiedEdge: the addresses Cloudflare's nameservers answer for the name (its edge), so
	// that a failover keeps traffic on Cloudflare's proxy and never exposes the origin.
	ProxiedEdge = "edge"
	// ProxiedValues: the explicit addresses of Proxied.Values.
	ProxiedValues = "values"
	// ProxiedOff: Cloudflare does not proxy the name; twinzone turns the proxy off there.
	ProxiedOff = "off"
)

// Proxied is a zone's `proxied` entry: a name whose A, AAAA and CNAME records Cloudflare
// proxies (orange cloud), and what the zone's other provider serves for it.
type Proxied struct {
	Name      string       // absolute, lower-case
	Secondary string       // ProxiedOrigin, ProxiedEdge, ProxiedValues or ProxiedOff
	Values    []netip.Addr // with ProxiedValues
	// Where the entry is in the config file, for errors found once the zone file is read.
	File         string
	Line, Column int
}

// Pos is the entry's place in the config file ("twinzone.yaml:12:7").
func (p Proxied) Pos() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// IsProxied reports whether Cloudflare proxies the name (every choice but off).
func (p Proxied) IsProxied() bool { return p.Secondary != ProxiedOff }

var proxiedChoices = []string{ProxiedOrigin, ProxiedEdge, ProxiedOff}

// proxied decodes `proxied: {name: origin | edge | off | [addresses]}`. Names are relative to
// the zone ("www", "@") or absolute; they are made absolute in finishProxied.
func (d *decoder) proxied(n *yaml.Node, path string, z *Zone) {
	ps, _ := d.pairs(n, path)
	for _, p := range ps {
		ppath := join(path, p.name)
		name := strings.ToLower(p.name)
		abs := name
		if !strings.HasSuffix(abs, ".") {
			abs += ".example."
		}
		if name != "@" && (!validName(abs, false) || strings.Contains(name, "*")) {
			d.errorf(p.key, ppath, "%q is not a name (relative to the zone, \"@\" for the apex, or absolute)", p.name)
			continue
		}
		e := Proxied{Name: name, File: d.file, Line: p.key.Line, Column: p.key.Column}
		v := resolve(p.val)
		switch {
		case v != nil && v.Kind == yaml.SequenceNode:
			e.Secondary = ProxiedValues
			for i, item := range d.list(v, ppath) {
				var s string
				if !d.str(item, index(ppath, i), &s) {
					continue
				}
				a, err := netip.ParseAddr(s)
				if err != nil || a.Zone() != "" {
					d.errorf(resolve(item), index(ppath, i), "%q is not an IP address", s)
					continue
				}
				e.Values = append(e.Values, a.Unmap())
			}
			if len(v.Content) == 0 {
				d.errorf(v, ppath, "an empty list: give the addresses the other provider serves for %s", p.name)
			}
		default:
			var s string
			if !d.str(v, ppath, &s) {
				continue
			}
			if !slices.Contains(proxiedChoices, strings.ToLower(s)) {
				d.errorf(v, ppath, "%q: want origin, edge, off or a list of addresses", s)
				continue
			}
			e.Secondary = strings.ToLower(s)
		}
		z.Proxied = append(z.Proxied, e)
	}
}

// finishProxied makes proxied names absolute and checks the zone has a Cloudflare provider.
func (d *decoder) finishProxied(z *Zone, c *Config, n *yaml.Node, path string) {
	if len(z.Proxied) == 0 {
		return
	}
	cf := 0
	for _, name := range z.Providers() {
		if p, ok := c.Providers[name]; ok && p.Type == "cloudflare" {
			cf++
		}
	}
	if cf != 1 {
		d.errorf(resolve(n), path, "proxied names need exactly one cloudflare provider in the zone, not %d", cf)
	}
	seen := map[string]bool{}
	for i := range z.Proxied {
		e := &z.Proxied[i]
		switch {
		case e.Name == "@":
			e.Name = z.Name
		case !strings.HasSuffix(e.Name, "."):
			e.Name += "." + z.Name
		}
		if z.Name != "" && e.Name != z.Name && !strings.HasSuffix(e.Name, "."+z.Name) {
			d.add(e.Line, e.Column, join(path, e.Name), "%s is not in zone %s", e.Name, z.Name)
		}
		if seen[e.Name] {
			d.add(e.Line, e.Column, join(path, e.Name), "%s is listed twice", e.Name)
		}
		seen[e.Name] = true
	}
}
