package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletion: the scripts are printed, and the bash one, sourced in a real bash, completes
// twinzone's commands by asking the binary.
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh"} {
		code, out, stderr := runCLI(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "--generate-bash-completion") {
			t.Fatalf("completion %s: exit %d\n%s%s", sh, code, out, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "completion", "fish"); code != exitError || !strings.Contains(stderr, "bash or zsh") {
		t.Fatalf("completion fish: exit %d, %s", code, stderr)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "twinzone")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	script := `eval "$(twinzone completion bash)"
COMP_WORDS=(twinzone fail); COMP_CWORD=1; _twinzone_complete; echo "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	got, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(got), "failover") || !strings.Contains(string(got), "failback") {
		t.Fatalf("bash completion of `twinzone fail`: %v: %q", err, got)
	}
}
