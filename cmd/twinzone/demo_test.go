package main

import (
	"regexp"
	"testing"
)

// TestDemo runs `twinzone demo` in-process in both modes: the whole story on in-process
// servers (sync, probe, outage, automatic failover, failback) must finish with exit 0.
func TestDemo(t *testing.T) {
	for _, mode := range []string{"active-active", "switch"} {
		t.Run(mode, func(t *testing.T) {
			code, out, errOut := runCLI(t, "demo", "--mode", mode, "--hold", "700ms")
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			mustContain(t, "stdout", out,
				"twinzone demo ("+mode+")",
				"sync alpha: ", "sync beta: ",
				"plan after sync: no changes on either provider",
				"probe alpha ns1.example.test.", "probe beta ns2.example.test.",
				"primary alpha on ", " stopped answering",
				"verdict alpha: up -> down: 3 consecutive rounds",
				"registrar: signed UPDATE of test. at 127.0.0.1:",
				"example.test. NS -> ns2.example.test.\n",
				"parent test. publishes example.test. NS ns2.example.test.",
				"verdict alpha: down -> up",
				"engine: failback wanted, held back: failback is manual",
				"operator: twinzone failback --zone example.test.",
				"Summary ("+mode+")",
				"time to detect the outage",
			)
			// Every timeline line carries a measured time.
			if !regexp.MustCompile(`(?m)^ +\+\d+\.\d\ds  verdict alpha: up -> down`).MatchString(out) {
				t.Errorf("no time-stamped detection line:\n%s", out)
			}
			if !regexp.MustCompile(`resolution .*\n    before  the outage  \d+/\d+ ok`).MatchString(out) {
				t.Errorf("no resolution counts:\n%s", out)
			}
		})
	}
	t.Run("bad mode", func(t *testing.T) {
		code, _, errOut := runCLI(t, "demo", "--mode", "both")
		if code != exitError {
			t.Errorf("exit %d, want %d", code, exitError)
		}
		mustContain(t, "stderr", errOut, `--mode "both"`)
	})
}
