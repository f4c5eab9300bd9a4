package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RegistrarType is one registrar type: how its keys decode and the facts `check` uses. The
// rows are built by providers/registrar (one per folder); this package knows no registrar.
type RegistrarType struct {
	Name string // the value of type:, lower-case
	// Decode declares the type's keys on f and returns the settings they fill (a pointer to the
	// type's struct, e.g. *gandi.Settings), as ProviderType.Decode does.
	Decode func(f *Fields) any
	// Company runs the registrar ("" when self-run or unknown): `check` compares it with the
	// providers' companies. Types that can be anything (exec, manual) leave it empty, and
	// check guesses from the registrar's name and CompanyHint.
	Company string
	// CredentialHint tells a user how to fix a registrar whose delegation cannot be read.
	CredentialHint string
	// SetOnly: the registrar cannot read the delegation itself (exec, manual), so a read-only
	// call proves nothing about its access.
	SetOnly bool
}

func (t Types) registrarNames() []string {
	out := make([]string, 0, len(t.Registrars))
	for _, r := range t.Registrars {
		out = append(out, r.Name)
	}
	slices.Sort(out)
	return out
}

func (t Types) registrar(name string) *RegistrarType {
	for i := range t.Registrars {
		if t.Registrars[i].Name == name {
			return &t.Registrars[i]
		}
	}
	return nil
}

// Registrar is a named place holding delegations.
type Registrar struct {
	Name   string
	Type   string
	Line   int
	Column int
	// Settings are the decoded keys, of the type its RegistrarType.Decode returns.
	Settings any
	// Spec is the registrar's type (its row of the table), never nil after Load.
	Spec *RegistrarType `json:"-" yaml:"-"`
}

// ParentServerer is implemented by the settings of a registrar that is the parent zone's own
// server (rfc2136): its address is where the delegation is published.
type ParentServerer interface {
	ParentServer() string
}

// ParentServer returns the parent zone server the registrar updates ("host:port"), or "".
func (r *Registrar) ParentServer() string {
	if ps, ok := r.Settings.(ParentServerer); ok {
		return ps.ParentServer()
	}
	return ""
}

// CompanyHinter is implemented by settings that may name a company in free text (exec's
// command), for `check` to recognise.
type CompanyHinter interface {
	CompanyHint() string
}

// CompanyHint returns the free text of the registrar's settings that may name its company.
func (r *Registrar) CompanyHint() string {
	if h, ok := r.Settings.(CompanyHinter); ok {
		return h.CompanyHint()
	}
	return ""
}

// SetOnly reports whether the registrar cannot read the delegation itself.
func (r *Registrar) SetOnly() bool { return r.Spec != nil && r.Spec.SetOnly }

func (d *decoder) registrars(n *yaml.Node, path string) map[string]*Registrar {
	out := map[string]*Registrar{}
	ps, _ := d.pairs(n, path)
	for _, p := range ps {
		rpath := join(path, p.name)
		if !nameRE.MatchString(p.name) {
			d.errorf(p.key, path, "registrar name %q: use letters, digits, '_', '-' and '.' (at most 63)", p.name)
			continue
		}
		d.declare(rpath)
		r := &Registrar{Name: p.name, Line: p.key.Line, Column: p.key.Column}
		typ, tnode, ok := d.typeOf(p.val, rpath)
		if !ok {
			continue
		}
		r.Type = typ
		spec := d.types.registrar(typ)
		if spec == nil || spec.Decode == nil {
			d.errorf(tnode, join(rpath, "type"), "unknown registrar type %q (known: %s)", typ, strings.Join(d.types.registrarNames(), ", "))
			continue
		}
		r.Spec = spec
		f := &Fields{d: d, node: resolve(p.val), path: rpath,
			h: map[string]func(string, *yaml.Node){"type": func(string, *yaml.Node) {}}}
		r.Settings = spec.Decode(f)
		d.fields(p.val, rpath, f.h)
		for _, c := range f.checks {
			c()
		}
		out[p.name] = r
	}
	return out
}

// require reports a required secret that is missing, once its mapping is decoded.
func (d *decoder) require(n *yaml.Node, path, key, example string, s *Secret) {
	// Runs after fields(); a secret already reported (clear text, unset variable) is not
	// reported twice.
	if !s.IsSet() && !d.reportedAt(path+"."+key) {
		d.errorf(n, path, "missing key %q, e.g. %s: ${%s}", key, key, example)
	}
}
