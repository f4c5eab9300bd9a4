package exec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

func TestExecSet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := `printf '%s\n' "$*" "$TWINZONE_DOMAIN" "$TWINZONE_NAMESERVERS" "$TWINZONE_NAMESERVER_SET" "$EXTRA" > "$OUT"`
	r, err := New(Config{Command: []string{"/bin/sh", "-c", script, "sh", "--set"}, Env: []string{"OUT=" + out, "EXTRA=x"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := nameserver.Parse("ns1.example.com.=192.0.2.1")
	b, _ := nameserver.Parse("b.ns.other.net.")
	if _, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{a, b}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want := "--set -- ns1.example.com. b.ns.other.net.\nexample.com.\nns1.example.com. b.ns.other.net.\nns1.example.com.=192.0.2.1 b.ns.other.net.\nx\n"
	if string(got) != want {
		t.Errorf("script saw:\n%s\nwant:\n%s", got, want)
	}
}

func TestExecFailure(t *testing.T) {
	r, _ := New(Config{Command: []string{"/bin/sh", "-c", `echo progress; echo "first" >&2; echo "API said: domain locked" >&2; exit 4`}})
	_, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{{Name: "a.ns.net."}})
	if err == nil || !strings.Contains(err.Error(), "status 4") || !strings.Contains(err.Error(), "domain locked") || strings.Contains(err.Error(), "first") {
		t.Errorf("err = %v", err)
	}
	r, _ = New(Config{Command: []string{filepath.Join(t.TempDir(), "missing")}})
	if _, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{{Name: "a.ns.net."}}); err == nil {
		t.Errorf("missing command: no error")
	}
	if _, err := r.Nameservers(context.Background(), "example.com."); !errors.Is(err, registrar.ErrUnsupported) {
		t.Errorf("Nameservers without reader: %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Errorf("empty command accepted")
	}
}

func TestExecTimeout(t *testing.T) {
	r, _ := New(Config{Command: []string{"/bin/sh", "-c", "exec sleep 30"}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // already cancelled: the command must not run to completion
	_, err := r.SetNameservers(ctx, "example.com.", nameserver.Set{{Name: "a.ns.net."}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestExecEnvironment: the command sees PATH, HOME, the variables named in PassEnv and the
// TWINZONE_* ones, and none of twinzone's other variables (credentials).
func TestExecEnvironment(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-1")
	t.Setenv("CLOUDFLARE_API_TOKEN", "cf-secret-2")
	t.Setenv("REGISTRAR_TOKEN", "reg-3")
	t.Setenv("HOME", "/home/tz")
	out := filepath.Join(t.TempDir(), "env")
	r, err := New(Config{Command: []string{"/bin/sh", "-c", `env > "$OUT"`, "sh"}, PassEnv: []string{"REGISTRAR_TOKEN", "UNSET_VAR"}, Env: []string{"OUT=" + out}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{{Name: "a.ns.net."}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, _, _ := strings.Cut(line, "=")
		names = append(names, k)
	}
	slices.Sort(names)
	// sh itself adds PWD (and SHLVL, _ in some shells).
	names = slices.DeleteFunc(names, func(n string) bool { return n == "PWD" || n == "SHLVL" || n == "_" })
	want := []string{"HOME", "OUT", "PATH", "REGISTRAR_TOKEN", "TWINZONE_DOMAIN", "TWINZONE_NAMESERVERS", "TWINZONE_NAMESERVER_SET"}
	if !slices.Equal(names, want) {
		t.Errorf("command environment %v, want %v", names, want)
	}
	if strings.Contains(string(b), "secret") {
		t.Errorf("a controller credential reached the command:\n%s", b)
	}
}

// TestExecRefusesOptionNames: a nameserver name starting with "-" never reaches the command.
func TestExecRefusesOptionNames(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	r, _ := New(Config{Command: []string{"/bin/sh", "-c", `touch "$0"`, marker}})
	_, err := r.SetNameservers(context.Background(), "example.com.", nameserver.Set{{Name: "a.ns.net."}, {Name: "--delete-all."}})
	if err == nil || !registrar.IsPermanent(err) || !strings.Contains(err.Error(), "cannot start with '-'") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the command ran")
	}
}
