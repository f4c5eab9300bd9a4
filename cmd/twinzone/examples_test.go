package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// examplesDir is the repository's examples folder, relative to this package.
const examplesDir = "../../examples"

// exampleYAMLFiles returns every YAML file below examples/ (by extension), sorted.
func exampleYAMLFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(examplesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no YAML files under examples/")
	}
	slices.Sort(out)
	return out
}

// yamlDocs decodes every document of a (possibly multi-document) YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("%s: no YAML document", path)
	}
	return docs
}

// TestExamplesYAMLParses: every YAML file under examples/ is valid YAML, and the well-known
// kinds of files have the shape their tools expect.
func TestExamplesYAMLParses(t *testing.T) {
	for _, p := range exampleYAMLFiles(t) {
		t.Run(strings.TrimPrefix(p, examplesDir+"/"), func(t *testing.T) {
			docs := yamlDocs(t, p)
			switch {
			case strings.Contains(p, "/github-actions/"):
				for _, key := range []string{"name", "on", "jobs"} {
					if _, ok := docs[0][key]; !ok {
						t.Errorf("workflow has no %q", key)
					}
				}
			case strings.Contains(p, "/kubernetes/"):
				for i, d := range docs {
					if d["apiVersion"] == nil || d["kind"] == nil {
						t.Errorf("document %d has no apiVersion/kind", i+1)
					}
				}
			case strings.Contains(p, "/prometheus/"):
				if _, ok := docs[0]["groups"].([]any); !ok {
					t.Error("alert rules have no groups list")
				}
			}
		})
	}
}

// envRefRE finds ${NAME} references in a twinzone config.
var envRefRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// setReferencedEnv sets every variable a config refers to, with a placeholder value that
// every secret field accepts (TSIG keys must be base64).
func setReferencedEnv(t *testing.T, text string) {
	t.Helper()
	for _, m := range envRefRE.FindAllStringSubmatch(text, -1) {
		t.Setenv(m[1], base64.StdEncoding.EncodeToString([]byte("placeholder for "+m[1])))
	}
}

// validateExample runs `twinzone validate` in-process on one config file.
func validateExample(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	setReferencedEnv(t, string(b))
	code, out, errOut := runCLI(t, "validate", "--config", path)
	if code != exitOK {
		t.Fatalf("twinzone validate --config %s: exit %d\nstdout:\n%s\nstderr:\n%s", path, code, out, errOut)
	}
	mustContain(t, "validate output", out, ": valid")
}

// TestExamplesConfigsValidate: every twinzone config in examples/ passes `twinzone validate`:
// the files named twinzone.yaml (validated where they are, so their relative zone paths are
// checked as users will use them) and the config embedded in Kubernetes ConfigMaps (written
// with the ConfigMap's other keys, such as the zone file, to a folder like the pod's mount).
func TestExamplesConfigsValidate(t *testing.T) {
	found := 0
	for _, p := range exampleYAMLFiles(t) {
		if filepath.Base(p) == "twinzone.yaml" {
			found++
			t.Run(strings.TrimPrefix(p, examplesDir+"/"), func(t *testing.T) { validateExample(t, p) })
			continue
		}
		for i, d := range yamlDocs(t, p) {
			if d["kind"] != "ConfigMap" {
				continue
			}
			data, _ := d["data"].(map[string]any)
			if _, ok := data["twinzone.yaml"]; !ok {
				continue
			}
			found++
			name := strings.TrimPrefix(p, examplesDir+"/") + "#" + string(rune('1'+i))
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				for key, v := range data {
					s, ok := v.(string)
					if !ok {
						t.Fatalf("ConfigMap key %s is not a string", key)
					}
					if err := os.WriteFile(filepath.Join(dir, key), []byte(s), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				validateExample(t, filepath.Join(dir, "twinzone.yaml"))
			})
		}
	}
	if found < 4 {
		t.Errorf("found %d twinzone configs under examples/, want at least 4 (examples/twinzone.yaml, quickstart, lab, kubernetes)", found)
	}
}

// commandFlags maps every command name (and alias) to the names of its flags.
func commandFlags() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, c := range newApp(io.Discard, io.Discard).Commands {
		flags := map[string]bool{"help": true, "h": true}
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				flags[n] = true
			}
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			out[n] = flags
		}
	}
	return out
}

// invocationRE finds "twinzone <word> <tokens...>" up to a shell operator or quote.
var invocationRE = regexp.MustCompile("\\btwinzone[ \\t]+([a-z][a-z0-9-]*)((?:[ \\t]+[^\\s|;&<>()`\"'\\\\]+)*)")

// checkInvocation reports a command or flag the CLI does not have.
func checkInvocation(t *testing.T, where string, cmds map[string]map[string]bool, cmd string, args []string) {
	t.Helper()
	flags, ok := cmds[cmd]
	if !ok {
		t.Errorf("%s: twinzone %s: no such command", where, cmd)
		return
	}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !flags[name] {
			t.Errorf("%s: twinzone %s: no flag %s", where, cmd, a)
		}
	}
}

// findContainers calls fn for every map in v that has an image naming twinzone and args.
func findContainers(v any, fn func(args []string)) {
	switch x := v.(type) {
	case map[string]any:
		if img, _ := x["image"].(string); strings.Contains(img, "twinzone") {
			if list, ok := x["args"].([]any); ok {
				var args []string
				for _, a := range list {
					args = append(args, fmt.Sprint(a))
				}
				fn(args)
			}
		}
		for _, e := range x {
			findContainers(e, fn)
		}
	case []any:
		for _, e := range x {
			findContainers(e, fn)
		}
	}
}

// TestExamplesUseRealCommands: every `twinzone <command> --flag` written in an example (CI
// scripts, systemd units, comments) and every Kubernetes container's args name a command and
// flags the CLI has, so the examples do not rot when the CLI changes.
func TestExamplesUseRealCommands(t *testing.T) {
	cmds := commandFlags()
	seen := 0
	err := filepath.WalkDir(examplesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range invocationRE.FindAllStringSubmatch(line, -1) {
				args := strings.Fields(m[2])
				if _, ok := cmds[m[1]]; !ok && (len(args) == 0 || !strings.HasPrefix(args[0], "-")) {
					continue // prose ("twinzone treats this value ..."), not an invocation
				}
				seen++
				checkInvocation(t, fmt.Sprintf("%s:%d", p, i+1), cmds, m[1], args)
			}
		}
		if strings.Contains(p, "/kubernetes/") && strings.HasSuffix(p, ".yaml") {
			for _, doc := range yamlDocs(t, p) {
				findContainers(doc, func(args []string) {
					seen++
					if len(args) == 0 {
						t.Errorf("%s: a twinzone container without a command in args", p)
						return
					}
					checkInvocation(t, p, cmds, args[0], args[1:])
				})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Errorf("found only %d twinzone invocations in examples/", seen)
	}
}

// TestExamplesSystemdUnits runs `systemd-analyze verify` on the units (with the binary's path
// pointed at /bin/true, since twinzone is not installed here). Skipped without systemd-analyze.
func TestExamplesSystemdUnits(t *testing.T) {
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	units, _ := filepath.Glob(filepath.Join(examplesDir, "systemd", "twinzone*"))
	if len(units) != 3 {
		t.Fatalf("want twinzone.service, twinzone-sync.service and twinzone-sync.timer, got %v", units)
	}
	var args []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte("/usr/local/bin/twinzone"), []byte("/bin/true")), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append([]string{"verify", "--man=no"}, args...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestExamplesKustomize renders examples/kubernetes with `kubectl kustomize` (every listed
// resource exists and parses). Skipped without kubectl.
func TestExamplesKustomize(t *testing.T) {
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "kustomize", filepath.Join(examplesDir, "kubernetes")).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	for _, kind := range []string{"kind: Namespace", "kind: Secret", "kind: ConfigMap", "kind: Deployment", "kind: PersistentVolumeClaim", "kind: Service"} {
		if !strings.Contains(string(out), kind) {
			t.Errorf("kustomize output has no %s", kind)
		}
	}
}
