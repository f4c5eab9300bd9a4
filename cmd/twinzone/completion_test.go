package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/probe/probetest"
	"github.com/twinzone/twinzone/pkg/zone"
)

// TestCompletionScripts: the scripts are printed; an unknown shell is an error.
func TestCompletionScripts(t *testing.T) {
	for sh, flag := range map[string]string{"bash": completeBashFlag, "zsh": completeZshFlag} {
		code, out, stderr := runCLI(t, "completion", sh)
		if code != 0 || !strings.Contains(out, flag) {
			t.Fatalf("completion %s: exit %d\n%s%s", sh, code, out, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "completion", "fish"); code != exitError || !strings.Contains(stderr, "bash or zsh") {
		t.Fatalf("completion fish: exit %d, %s", code, stderr)
	}
}

// countedApp is the real app with every Action, Before and After replaced by a counter.
func countedApp(calls *int, out io.Writer) *cli.App {
	app := newApp(out, io.Discard)
	count := func(*cli.Context) error { *calls++; return nil }
	app.Action, app.Before, app.After = count, count, count
	for _, c := range app.Commands {
		c.Action, c.Before, c.After = count, count, count
	}
	return app
}

// TestCompletionNeverRuns: for every command and every one of its flags, in every shape a
// command line can take when TAB is pressed (with `--`, with --yes, a flag awaiting its
// value, the completion flag in the middle), completion prints candidates and no Action, Before
// or After runs.
func TestCompletionNeverRuns(t *testing.T) {
	ctx := context.Background()
	var calls int
	// The counters work: an ordinary invocation is counted.
	if runApp(ctx, countedApp(&calls, io.Discard), []string{"twinzone", "failover", "--yes"}); calls == 0 {
		t.Fatal("countedApp counts nothing: the test below could not fail")
	}
	cases := 0
	for _, cmd := range commands() {
		var lines [][]string
		lines = append(lines, []string{cmd.Name, ""}, []string{cmd.Name, "-"}, []string{cmd.Name, "--"},
			[]string{cmd.Name, "--", ""}, []string{cmd.Name, "--yes", "--"}, []string{cmd.Name, "--yes", "--", "--"})
		for _, f := range cmd.Flags {
			for _, name := range f.Names() {
				dashed := "--" + name
				if len(name) == 1 {
					dashed = "-" + name
				}
				lines = append(lines,
					[]string{cmd.Name, dashed},
					[]string{cmd.Name, dashed, ""},
					[]string{cmd.Name, dashed, "--"},
					[]string{cmd.Name, dashed + "=x", "--"},
					[]string{cmd.Name, "--yes", dashed, "--", "--"},
					[]string{dashed, cmd.Name, "--"})
			}
		}
		for _, line := range lines {
			for _, flag := range []string{completeBashFlag, completeZshFlag} {
				for _, args := range [][]string{
					append(append([]string{"twinzone"}, line...), flag),
					append([]string{"twinzone", flag}, line...), // not last: still only completion
				} {
					calls = 0
					var out bytes.Buffer
					code := runApp(ctx, countedApp(&calls, &out), args)
					cases++
					if calls != 0 || code != exitOK {
						t.Fatalf("%q: %d actions ran (exit %d): completion must never run a command", args, calls, code)
					}
				}
			}
		}
		// The shape of the original bug prints this command's flags.
		calls = 0
		var out bytes.Buffer
		runApp(ctx, countedApp(&calls, &out), []string{"twinzone", cmd.Name, "--yes", "--", completeBashFlag})
		if !strings.Contains(out.String(), "--help\n") || calls != 0 {
			t.Fatalf("twinzone %s --yes --<TAB>: %d actions, candidates %q", cmd.Name, calls, out.String())
		}
	}
	t.Logf("%d command lines completed, no action ran", cases)
}

// TestCompletionCandidates: what TAB offers.
func TestCompletionCandidates(t *testing.T) {
	for _, tc := range []struct {
		words     []string
		zsh       bool
		want, not []string
	}{
		{words: []string{"fail"}, want: []string{"failover", "failback"}, not: []string{"plan", "docs"}},
		{words: []string{""}, want: []string{"validate", "plan", "sync", "help"}, not: []string{"docs"}},
		{words: []string{"failover", "--yes", "--"}, want: []string{"--dry-run", "--force", "--from", "--config", "--help"}, not: []string{"--yes", "-y", "--version"}},
		{words: []string{"plan", "--z"}, want: []string{"--zone"}, not: []string{"--config"}},
		{words: []string{"plan", "--zone", "a.", "--z"}, want: []string{"--zone"}}, // repeatable
		{words: []string{"plan", "--config", ""}, not: []string{"plan", "--"}},     // a value: files
		{words: []string{"plan", "--", ""}, not: []string{"--", "plan"}},           // after --: arguments
		{words: []string{"completion", ""}, want: []string{"bash", "zsh"}},
		{words: []string{"help", "st"}, want: []string{"status"}},
		{words: []string{"--"}, want: []string{"--help", "--version"}},
		{words: []string{"fail"}, zsh: true, want: []string{"failover:move the delegation away"}},
	} {
		var out bytes.Buffer
		complete(&out, commands(), tc.words, tc.zsh)
		got := "\n" + out.String()
		for _, w := range tc.want {
			if !strings.Contains(got, "\n"+w) {
				t.Errorf("complete %q: %q missing from\n%s", tc.words, w, got)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, "\n"+n) {
				t.Errorf("complete %q: %q offered:\n%s", tc.words, n, got)
			}
		}
	}
}

// recorderLab is a zone whose providers are fake authoritative servers (both healthy, serving
// the current stamp; their APIs point at a closed port) and whose registrar is an `exec`
// command that appends every call to a file; a built twinzone binary; the environment for it.
type recorderLab struct {
	tb                    *testing.T
	dir, conf, calls, bin string
	env                   []string
	pri, sec              *probetest.Server
	hash                  string
}

// startRecorderLab starts the lab; script (sh) runs after the call is recorded ("" = accept).
func startRecorderLab(t *testing.T, script string) *recorderLab {
	t.Helper()
	lab := &recorderLab{tb: t, dir: t.TempDir(), bin: buildTwinzone(t)}
	lab.pri, lab.sec = probetest.Start(t, e2eOrigin), probetest.Start(t, e2eOrigin)
	lab.calls = filepath.Join(lab.dir, "registrar-calls")
	lab.conf = filepath.Join(lab.dir, "twinzone.yaml")
	cfg := fmt.Sprintf(`providers:
  pri: {type: rfc2136, server: "127.0.0.1:1"}
  sec: {type: rfc2136, server: "127.0.0.1:1"}
registrars:
  recorder: {type: exec, command: [/bin/sh, -c, 'echo "$@" >> %s; %s', recorder]}
zones:
  - name: example.test.
    file: example.test.zone
    primary:   {provider: pri, nameservers: ["ns1.pri.example.=%s"]}
    secondary: {provider: sec, nameservers: ["ns1.sec.example.=%s"]}
    registrar: recorder
    mode: switch
    probe: {interval: 5s, timeout: 2s}
    failover: {propagation_timeout: 1s}
`, lab.calls, script, lab.pri.Addr, lab.sec.Addr)
	writeFiles(t, lab.dir, map[string]string{"twinzone.yaml": cfg, "example.test.zone": labZoneFile})
	z, err := zone.ParseFile(filepath.Join(lab.dir, "example.test.zone"), e2eOrigin)
	if err != nil {
		t.Fatal(err)
	}
	lab.hash = plan.StampHash(z.RRsets)
	lab.pri.SetStamp(lab.hash)
	lab.sec.SetStamp(lab.hash)
	lab.env = []string{"PATH=" + lab.bin + ":" + os.Getenv("PATH"), "HOME=" + lab.dir, "TERM=xterm", "PS1=$ ", "PROMPT=%% ",
		"TWINZONE_CONFIG=" + lab.conf, "LANG=C.UTF-8", "HISTFILE="} // HISTFILE: no history written at exit
	return lab
}

// noCalls fails the test when the registrar has been called.
func (lab *recorderLab) noCalls(when string) {
	lab.tb.Helper()
	if b, err := os.ReadFile(lab.calls); !errors.Is(err, os.ErrNotExist) {
		lab.tb.Fatalf("%s: the registrar was called: %q (%v)", when, b, err)
	}
}

// buildTwinzone builds the binary into a temporary directory and returns that directory.
func buildTwinzone(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "twinzone"), ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return dir
}

func needBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (make test-deps installs it)", name)
		}
		t.Skipf("%s not found", name)
	}
	return p
}

// tmuxShell is an interactive shell in a private tmux server, typed into like a person would.
type tmuxShell struct {
	t    *testing.T
	sock string
	env  []string
}

func startTmuxShell(t *testing.T, tmux string, env []string, shell ...string) *tmuxShell {
	t.Helper()
	s := &tmuxShell{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock"), env: env}
	s.run(append([]string{"-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "60", "--"}, shell...)...)
	t.Cleanup(s.stop)
	return s
}

// stop ends the tmux server and the shell in it.
func (s *tmuxShell) stop() { _ = s.cmd("kill-server").Run() }

func (s *tmuxShell) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...)
	c.Env = s.env
	return c
}

func (s *tmuxShell) run(args ...string) string {
	s.t.Helper()
	out, err := s.cmd(args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// typeText types text literally, then the named keys (Tab, Enter, C-c).
func (s *tmuxShell) typeText(text string, keys ...string) {
	s.t.Helper()
	if text != "" {
		s.run("send-keys", "-l", text)
	}
	if len(keys) > 0 {
		s.run(append([]string{"send-keys"}, keys...)...)
	}
}

// settle waits until the shell is back at its prompt with nothing running: what it types is
// read only when the command before it has exited.
func (s *tmuxShell) settle() {
	s.t.Helper()
	s.typeText(`echo SETT""LED`, "Enter")
	if screen, missing := s.waitFor("\nSETTLED"); missing != "" {
		s.t.Fatalf("the shell never came back to its prompt:\n%s", screen)
	}
}

// waitFor polls the screen until it contains every want, for up to a minute, and returns the
// screen and what never appeared.
func (s *tmuxShell) waitFor(wants ...string) (screen, missing string) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		screen, missing = s.run("capture-pane", "-p"), ""
		for _, w := range wants {
			if !strings.Contains(screen, w) {
				missing = w
				break
			}
		}
		if missing == "" || time.Now().After(deadline) {
			return screen, missing
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronisation
	}
}

// TestCompletionInRealShells types TAB in an interactive bash and zsh, on command lines that
// used to run a real failover (`twinzone failover --yes --<TAB>`), against a configuration
// whose registrar records every call. Candidates must appear and the registrar must see no
// call; then the same failover run on purpose reaches the registrar (so the recorder works).
func TestCompletionInRealShells(t *testing.T) {
	tmux := needBinary(t, "tmux")
	lab := startRecorderLab(t, "")
	env, dir := lab.env, lab.dir
	lines := []struct{ typed, shows string }{
		{"twinzone failover --yes --", "--dry-run"},
		{"twinzone failback --yes --", "--dry-run"},
		{"twinzone failover --yes -- ", "twinzone.yaml"}, // after `--`: the shell completes files
		{"twinzone failover --yes --fo", "--force"},
	}
	shells := []struct {
		name  string
		argv  []string
		setup string
	}{
		{"bash", []string{"bash", "--norc", "--noprofile", "-i"}, `cd ` + dir + `; eval "$(twinzone completion bash)"; echo RE""ADY`},
		{"zsh", []string{"zsh", "-f", "-i"}, `cd ` + dir + `; autoload -U compinit && compinit -u -D && eval "$(twinzone completion zsh)"; echo RE""ADY`},
	}
	// One fresh shell per line: the test never presses Enter on a line that names a command
	// (a key arriving while completion runs could otherwise submit it).
	for _, sh := range shells {
		needBinary(t, sh.argv[0])
		for _, l := range lines {
			s := startTmuxShell(t, tmux, env, sh.argv...)
			s.typeText(sh.setup, "Enter")
			if screen, missing := s.waitFor("\nREADY"); missing != "" {
				t.Fatalf("%s setup: %q never appeared:\n%s", sh.name, missing, screen)
			}
			s.typeText(l.typed, "Tab", "Tab")
			screen, missing := s.waitFor(l.shows)
			s.stop()
			lab.noCalls(sh.name + ": " + l.typed + "<TAB>\n" + screen)
			if missing != "" {
				t.Fatalf("%s: %s<TAB>: %q never appeared (no completion):\n%s", sh.name, l.typed, missing, screen)
			}
		}
	}

	// The control: the same command, run on purpose, calls the recorder.
	cmd := exec.Command(filepath.Join(lab.bin, "twinzone"), "failover", "--yes")
	cmd.Env, cmd.Dir = env, dir
	out, _ := cmd.CombinedOutput()
	if b, err := os.ReadFile(lab.calls); err != nil || !strings.Contains(string(b), "ns1.sec.example.") {
		t.Fatalf("twinzone failover --yes did not reach the recording registrar (%v, %q): the test above could not fail\n%s", err, b, out)
	}
}
