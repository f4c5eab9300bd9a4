package corpus

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// entry is one line of testdata/SOURCES.
type entry struct {
	file, origin, repo, commit, path, licence string
}

func readSources(t *testing.T) []entry {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p := strings.Fields(l)
		if len(p) != 6 {
			t.Fatalf("SOURCES: %q: want file origin repository commit path licence", l)
		}
		out = append(out, entry{p[0], p[1], p[2], p[3], p[4], p[5]})
	}
	return out
}

func (e entry) zonePath() string { return filepath.Join("testdata", "zones", e.file) }

// verdict is what one server's checker says of a file.
type verdict struct {
	loads bool
	lines []int  // the lines its messages name
	out   string // its output, for failure messages
}

// need returns the path of a checker, skipping the test when it is missing (failing it when
// CI=true: make test-deps installs them).
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (make test-deps)", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

var (
	bindLine = regexp.MustCompile(`:(\d+): `)
	knotLine = regexp.MustCompile(`line (\d+)`)
)

func lines(re *regexp.Regexp, out string) []int {
	var ls []int
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			ls = append(ls, n)
		}
	}
	return ls
}

// zoneIntegrity are Knot's findings about the zone as a whole that knotd does not apply
// (its "extra" checks never stop a zone loading) and that twinzone leaves to the providers: a
// file without apex NS (each provider serves its own; twinzone writes the zone file's only
// with manage_apex_ns) and in-zone NS names without addresses.
var zoneIntegrity = []string{"missing NS at the zone apex", "missing glue record"}

func integrityOnly(out string, findings func(line string) bool) bool {
	for _, l := range strings.Split(out, "\n") {
		if !findings(l) {
			continue
		}
		known := false
		for _, k := range zoneIntegrity {
			known = known || strings.Contains(l, k)
		}
		if !known {
			return false
		}
	}
	return true
}

// checkBIND runs named-checkzone as the test servers run BIND (check-integrity no,
// check-names ignore; see zoneIntegrity): a file refused only for having no apex NS is
// checked again with one added.
func checkBIND(t *testing.T, bin string, e entry, path string) verdict {
	args := []string{"-i", "none", "-n", "ignore", "-k", "ignore", e.origin}
	out, err := exec.Command(bin, append(args, path)...).CombinedOutput()
	v := verdict{loads: err == nil, out: string(out), lines: lines(bindLine, string(out))}
	if v.loads || !strings.Contains(v.out, "has no NS records") {
		return v
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withNS := filepath.Join(t.TempDir(), "with-ns.zone")
	data = append(data, []byte("\n"+e.origin+" 3600 IN NS ns.invalid.\n")...)
	if err := os.WriteFile(withNS, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, append(args, withNS)...).CombinedOutput()
	return verdict{loads: err == nil, out: v.out + "\n(with an apex NS added:)\n" + string(out), lines: v.lines}
}

// checkKnot runs kzonecheck (DNSSEC checks off: twinzone does not sign, and signatures in
// test zones are long expired); findings of Knot's extra checks that knotd loads anyway
// (zoneIntegrity) do not count.
func checkKnot(bin string, e entry, path string) verdict {
	out, err := exec.Command(bin, "-v", "-d", "off", "-o", e.origin, path).CombinedOutput()
	v := verdict{loads: err == nil, out: string(out), lines: lines(knotLine, string(out))}
	if !v.loads && integrityOnly(v.out, func(l string) bool {
		return strings.HasPrefix(l, "[") || strings.HasPrefix(l, "error:") && !strings.Contains(l, "failed to run semantic checks")
	}) {
		v.loads = true
	}
	return v
}
