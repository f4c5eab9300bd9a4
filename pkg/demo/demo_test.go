package demo

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	for _, mode := range []string{"active-active", "switch"} {
		t.Run(mode, func(t *testing.T) {
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			sum, err := Run(ctx, Options{Mode: mode, Out: &out})
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			if sum.Detect <= 0 || sum.RegistrarCall < sum.Detect || sum.ParentPublished < sum.RegistrarCall {
				t.Errorf("implausible measures: %+v", sum)
			}
			for _, p := range []Phase{Before, During, After} {
				if sum.Resolution[p].Total == 0 {
					t.Errorf("no lookups %s the outage", p)
				}
			}
			if mode == "active-active" && sum.Resolution[During].OK == 0 {
				t.Errorf("active-active: no lookup worked during the outage")
			}
			for _, want := range []string{"verdict alpha: up -> down", "registrar: signed UPDATE", "operator: twinzone failback", "Summary (" + mode + ")"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("timeline lacks %q", want)
				}
			}
		})
	}
}

func TestCleanup(t *testing.T) {
	l, err := startLab("switch")
	if err != nil {
		t.Fatal(err)
	}
	dir := l.dir
	l.close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}

// TestFailure: a step that fails ends the run with an error, says so on the timeline and
// still removes everything.
func TestFailure(t *testing.T) {
	var out bytes.Buffer
	var dir string
	_, err := Run(context.Background(), Options{Out: &out, afterStart: func(l *lab) {
		dir = l.dir
		l.parent.Stop() // the delegation cannot be read
	}})
	if err == nil || !strings.Contains(err.Error(), "read the delegation") {
		t.Errorf("err = %v, want a delegation read error", err)
	}
	if !strings.Contains(out.String(), "FAILED: read the delegation") {
		t.Errorf("timeline does not say what failed:\n%s", out.String())
	}
	if _, err := os.Stat(dir); dir == "" || !os.IsNotExist(err) {
		t.Errorf("temporary directory %q left behind (%v)", dir, err)
	}
}

func TestBadMode(t *testing.T) {
	if _, err := Run(context.Background(), Options{Mode: "both"}); err == nil {
		t.Error("unknown mode accepted")
	}
}
