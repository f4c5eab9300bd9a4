package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCLIManners is issue 14's table of small mistakes: each gets one clear line, and what
// works, works.
func TestCLIManners(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"twinzone.yaml": twoFilesConfig,
		"example.com.zone": "$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"})
	conf := filepath.Join(dir, "twinzone.yaml")

	// Global flags before the command work.
	for _, args := range [][]string{
		{"--config", conf, "validate"},
		{"-c", conf, "--log-level=warn", "validate"},
		{"--config=" + conf, "-z", "example.com.", "validate", "--log-format", "text"},
	} {
		code, out, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, ": valid") {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	if code, out, stderr := runCLI(t, "--config", conf, "--help"); code != 0 || !strings.Contains(out, "COMMANDS:") {
		t.Errorf("--config x --help: exit %d\n%s%s", code, out, stderr)
	}
	// Singular: one RRset (the SOA).
	if _, out, _ := runCLI(t, "validate", "--config", conf); !strings.Contains(out, "(1 RRset)") {
		t.Errorf("validate with one RRset: %q", out)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "twinzone ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: exit %d %q", code, out)
	}

	oneLine := func(args []string, wants ...string) {
		t.Helper()
		code, out, stderr := runCLI(t, args...)
		if code != exitError || out != "" {
			t.Errorf("%q: exit %d, stdout %q (want exit 1, nothing on stdout)", args, code, out)
		}
		if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 {
			t.Errorf("%q: %d lines on stderr, want one error:\n%s", args, len(lines), stderr)
		}
		mustContain(t, strings.Join(args, " "), stderr, wants...)
	}
	oneLine([]string{"plna"}, `unknown command "plna"`, `did you mean "plan"?`)
	oneLine([]string{"run", "--config", conf, "--sync-interval", "5x"}, `--sync-interval "5x"`, "duration")
	oneLine([]string{"probe", "--config", conf, "--formt", "json"}, "unknown flag --formt", "did you mean --format?", "twinzone probe --help")
	oneLine([]string{"plan", "--config", conf, "--format"}, "--format needs a value")

	// No config here: say how to name one.
	t.Chdir(t.TempDir())
	t.Setenv("TWINZONE_CONFIG", "")
	os.Unsetenv("TWINZONE_CONFIG")
	code, _, stderr := runCLI(t, "validate")
	if code != exitError {
		t.Fatalf("validate without a config: exit %d", code)
	}
	mustContain(t, "no config", stderr, "no twinzone.yaml in the current directory", "--config FILE", "TWINZONE_CONFIG=FILE")
}

// screen replays what a terminal shows for out: \r returns to column 0, \x1b[K clears to the
// end of the line, other escape sequences (colours) are dropped. It returns the lines.
func screen(out string) []string {
	var lines []string
	var line []rune
	col := 0
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == '\x1b':
			j := i + 2
			for j < len(out) && (out[j] < '@' || out[j] > '~') {
				j++
			}
			if j < len(out) && out[j] == 'K' {
				line = line[:min(col, len(line))]
			}
			i = j + 1
			continue
		case r == '\r':
			col = 0
		case r == '\n':
			lines = append(lines, strings.TrimRight(string(line), " "))
			line, col = nil, 0
		default:
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
		}
		i += size
	}
	return append(lines, strings.TrimRight(string(line), " "))
}

// TestLogLinesDoNotBreakTheProgressBar: log lines written while the bar is shown stand on
// lines of their own, and the bar is drawn again after them.
func TestLogLinesDoNotBreakTheProgressBar(t *testing.T) {
	var term bytes.Buffer
	gate := &stderrGate{w: &term}
	p := startProgress(gate, false)
	log := slog.New(slog.NewTextHandler(gate, nil))
	p.update("knot", 10, 100)
	log.Warn("apply failed, re-reading and re-planning", "zone", "example.com.")
	p.update("knot", 50, 100)
	log.Info("sync done", "zone", "example.com.", "provider", "bind")
	lines := screen(term.String())
	logs := 0
	for _, l := range lines {
		if strings.Contains(l, "msg=") {
			logs++
			if !strings.HasPrefix(l, "time=") {
				t.Errorf("a log line shares its line with the bar: %q", l)
			}
		}
	}
	if logs != 2 {
		t.Fatalf("%d log lines on screen, want 2:\n%q", logs, lines)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "sync knot 50/100") {
		t.Errorf("the bar is not drawn again after the log lines: last line %q", last)
	}
	p.finish()
	if last := screen(term.String()); strings.TrimSpace(last[len(last)-1]) != "" {
		t.Errorf("the bar is left on screen after finish: %q", last[len(last)-1])
	}
}
