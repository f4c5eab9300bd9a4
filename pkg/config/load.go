package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/twinzone/twinzone/pkg/nameserver"
)

// MaxFileSize bounds the config file; anything larger is refused unread.
const MaxFileSize = 4 << 20

// Load reads, expands and validates the config file at path, taking ${VAR} values from the
// process environment; types are the provider and registrar types it may name (providers.Types()).
// Errors name path as given; see LoadWith.
func Load(path string, types Types) (*Config, error) { return LoadWith(path, types, os.LookupEnv) }

// LoadWith is Load with an explicit variable lookup (nil means os.LookupEnv). It makes no
// network call. The error, when not nil, is an *Errors listing every problem found (up to
// MaxErrors) as file:line:col: key: message, or an *Error for an unreadable file.
func LoadWith(path string, types Types, lookup func(string) (string, bool)) (*Config, error) {
	return load(path, types, lookup, false)
}

// LoadForImport is Load for `twinzone import`, which writes the zone file: a zone file that
// does not exist yet is no error (every other problem still is).
func LoadForImport(path string, types Types) (*Config, error) {
	return load(path, types, os.LookupEnv, true)
}

func load(path string, types Types, lookup func(string) (string, bool), missingZoneFiles bool) (*Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fileErr(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Msg: fileErr(err)}
	}
	if st.IsDir() {
		return nil, &Error{File: path, Msg: "is a directory, not a config file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: fileErr(err)}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d bytes: not a config file", MaxFileSize)}
	}
	cfg, err := parse(path, abs, data, types, lookup, missingZoneFiles)
	if err != nil {
		return nil, err
	}
	// Other users who can write the file can move the delegation: always worth a warning.
	// Read access matters only when the file itself holds a secret; credentials come from the
	// environment, so that is a webhook URL written in clear text.
	m := st.Mode().Perm()
	clearWebhook := cfg.Controller.Webhook.IsSet() && cfg.Controller.Webhook.Ref() == ""
	if m&0o022 != 0 || (m&0o044 != 0 && clearWebhook) {
		what := "readable (it holds the webhook URL in clear text)"
		if m&0o022 != 0 {
			what = "writable"
		}
		cfg.Warnings = append([]string{fmt.Sprintf("%s: file mode %04o: %s by other users; run chmod 600 %s", path, m, what, path)}, cfg.Warnings...)
	}
	return cfg, nil
}

// fileErr describes an I/O error without repeating the path (the Error carries it).
func fileErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// parse decodes data; name is used in messages, abs is the file's absolute path.
func parse(name, abs string, data []byte, types Types, lookup LookupFunc, missingZoneFiles bool) (cfg *Config, err error) {
	col := &collector{file: name}
	defer func() {
		// The YAML library must never take the process down on hostile input.
		if r := recover(); r != nil {
			cfg, err = nil, &Errors{List: []*Error{{File: name, Msg: fmt.Sprintf("cannot parse YAML: %v", r)}}}
		}
	}()
	doc, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	cfg = &Config{
		File:       abs,
		Dir:        filepath.Dir(abs),
		StateDir:   filepath.Join(filepath.Dir(abs), DefaultStateDir),
		Providers:  map[string]*Provider{},
		Registrars: map[string]*Registrar{},
		Controller: Controller{Listen: DefaultListen},
		Log:        Log{Level: "info", Format: "text"},
	}
	d := &decoder{collector: col, dir: cfg.Dir, lookup: lookup, types: types, missingZoneFiles: missingZoneFiles}
	root := resolve(doc)
	if isNull(root) {
		col.add(0, 0, "", "the file is empty: expected providers and zones")
		return nil, col.err()
	}
	// Decode in dependency order (providers and registrars before the zones that name them),
	// whatever the order in the file; unknown keys are reported by fields().
	top := map[string]*yaml.Node{}
	handlers := map[string]func(string, *yaml.Node){}
	for _, k := range []string{"state_dir", "providers", "registrars", "zones", "controller", "log", "fleet"} {
		handlers[k] = func(_ string, v *yaml.Node) { top[k] = v }
	}
	d.fields(root, "", handlers)
	if v, ok := top["state_dir"]; ok {
		d.path(v, "state_dir", &cfg.StateDir)
	}
	cfg.Providers = d.providers(top["providers"], "providers")
	cfg.Registrars = d.registrars(top["registrars"], "registrars")
	d.controller(top["controller"], "controller", &cfg.Controller)
	d.log(top["log"], "log", &cfg.Log)
	if v, ok := top["zones"]; ok {
		d.zones(v, "zones", cfg)
	}
	for _, z := range cfg.Zones {
		d.finishIgnore(z)
	}
	d.fleet(top["fleet"], "fleet", cfg)
	d.checkFleetTTL(cfg, top["fleet"])
	d.checkLocalFiles(cfg)
	if zs := resolve(top["zones"]); len(cfg.Zones) == 0 && !col.reportedAt("zones") && (zs == nil || len(zs.Content) == 0) {
		line, c := 0, 0
		if v := resolve(top["zones"]); v != nil {
			line, c = v.Line, v.Column
		}
		col.add(line, c, "zones", "no zones: define at least one zone")
	}
	if err := col.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the single document of data, with syntax errors as file:line.
func parseYAML(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &doc, nil
		}
		return nil, &Errors{List: []*Error{yamlError(name, err)}}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, &Errors{List: []*Error{yamlError(name, err)}}
	default:
		return nil, &Errors{List: []*Error{{File: name, Line: extra.Line, Column: extra.Column, Msg: "more than one YAML document: a config file holds exactly one"}}}
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

func yamlError(name string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: name, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: name, Msg: "invalid YAML: " + msg}
}

func (d *decoder) controller(n *yaml.Node, path string, c *Controller) {
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"listen": func(path string, v *yaml.Node) {
			var s string
			if !d.str(v, path, &s) || s == "" {
				return
			}
			if err := checkListen(s); err != nil {
				d.errorf(resolve(v), path, "%q: %v", s, err)
				return
			}
			c.Listen = s
		},
		"webhook": func(path string, v *yaml.Node) {
			// The URL may embed a token: it is never echoed in errors.
			var s string
			if !d.str(v, path, &s) || s == "" {
				return
			}
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				d.errorf(resolve(v), path, "not an http(s) URL")
				return
			}
			ref, _ := soleRef(resolve(v).Value)
			c.Webhook = NewSecret(s, ref)
		},
		"control_targets": func(path string, v *yaml.Node) {
			for i, item := range d.list(v, path) {
				var s string
				if !d.str(item, index(path, i), &s) {
					continue
				}
				ap, err := nameserver.ParseAddr(s)
				if err != nil {
					d.errorf(resolve(item), index(path, i), "%v", err)
					continue
				}
				c.ControlTargets = append(c.ControlTargets, ap)
			}
		},
	})
}

func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:9353")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return errors.New("port must be 0-65535")
	}
	return nil
}

func (d *decoder) log(n *yaml.Node, path string, l *Log) {
	d.fields(n, path, map[string]func(string, *yaml.Node){
		"level":  func(path string, v *yaml.Node) { d.oneOf(v, path, &l.Level, "debug", "info", "warn", "error") },
		"format": func(path string, v *yaml.Node) { d.oneOf(v, path, &l.Format, "text", "json") },
	})
}

// checkLocalFiles refuses providers writing a local file (zonefile) that would overwrite a
// zone's source file, or share one file (then the two providers would not be independent).
func (d *decoder) checkLocalFiles(cfg *Config) {
	sources := map[string]string{}
	for _, z := range cfg.Zones {
		if z.File != "" {
			sources[z.File] = z.Name
		}
	}
	byPath := map[string]*Provider{}
	for _, name := range sortedKeys(cfg.Providers) {
		p := cfg.Providers[name]
		file := p.LocalFile()
		if file == "" {
			continue
		}
		path := join("providers", name)
		if zname, ok := sources[file]; ok {
			d.add(p.Line, p.Column, path, "path %s is the source file of zone %s: sync would overwrite it", file, zname)
		}
		if other, ok := byPath[file]; ok {
			d.add(p.Line, p.Column, path, "path %s is also the path of provider %q: each provider needs its own file", file, other.Name)
		}
		byPath[file] = p
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := keys(m)
	slices.Sort(out)
	return out
}
