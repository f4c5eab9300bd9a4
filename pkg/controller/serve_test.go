package controller

import (
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/config"
)

// TestMetricsFromTheStart: before any probe round, /metrics already exports the zone's cut-off
// gauge at 0 (an alert on it must see a value) and the controller's own Go and process metrics.
func TestMetricsFromTheStart(t *testing.T) {
	l := newLab(t, config.ModeActiveActive, "")
	body := scrape(t, l.ctrl)
	for _, want := range []string{
		`twinzone_cut_off{zone="example.test."} 0`,
		`twinzone_sync_errors_total{provider="sec",zone="example.test."} 0`,
		"go_goroutines ", "process_open_fds ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics before the first round lacks %q:\n%s", want, grepLines(body, "twinzone_"))
		}
	}
}
