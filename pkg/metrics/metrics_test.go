package metrics

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/probe"
)

// Documented are the metric names of the package comment (and the README): renaming one
// breaks users' dashboards and alerts.
var documented = []string{
	"twinzone_cut_off",
	"twinzone_delegated",
	"twinzone_failovers_total",
	"twinzone_probe_latency_seconds",
	"twinzone_probe_results_total",
	"twinzone_provider_up",
	"twinzone_sync_errors_total",
	"twinzone_sync_last_success_timestamp_seconds",
}

func TestNamesAndValues(t *testing.T) {
	m := New()
	m.InitZone("init.test.", []string{"a", "b"})
	addr := netip.MustParseAddrPort("127.0.0.1:53")
	m.ObserveRound("example.test.", probe.Round{Results: []probe.Result{
		{Target: probe.Target{Provider: "a", Addr: addr}, Reason: probe.OK, Latency: 3 * time.Millisecond},
		{Target: probe.Target{Provider: "a", Addr: addr}, Reason: probe.Timeout, Latency: 2 * time.Second},
		{Target: probe.Target{Provider: "b", Addr: addr}, Reason: probe.OK, Latency: time.Millisecond},
	}})
	m.SetUp("example.test.", "a", true)
	m.SetDelegated("example.test.", []string{"a", "b"}, []string{"a"})
	m.SetCutOff("example.test.", false)
	m.Failover("example.test.", "failover")
	m.Synced("example.test.", "a", 1e9, nil)
	m.Synced("example.test.", "b", 1e9, errors.New("x"))

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	values := map[string]float64{}
	runtime := map[string]bool{}
	for _, f := range families {
		if n := f.GetName(); strings.HasPrefix(n, "go_") || strings.HasPrefix(n, "process_") {
			runtime[n] = true
			continue
		}
		names = append(names, f.GetName())
		for _, mm := range f.GetMetric() {
			key := f.GetName()
			for _, l := range mm.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case mm.Counter != nil:
				values[key] = mm.Counter.GetValue()
			case mm.Gauge != nil:
				values[key] = mm.Gauge.GetValue()
			case mm.Histogram != nil:
				values[key] = float64(mm.Histogram.GetSampleCount())
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, documented) {
		t.Fatalf("metric names %v, documented %v", names, documented)
	}
	for key, want := range map[string]float64{
		"twinzone_probe_results_total provider=a reason=ok zone=example.test.":       1,
		"twinzone_probe_results_total provider=a reason=timeout zone=example.test.":  1,
		"twinzone_probe_latency_seconds provider=a zone=example.test.":               1, // timeouts are not latencies
		"twinzone_delegated provider=b zone=example.test.":                           0,
		"twinzone_delegated provider=a zone=example.test.":                           1,
		"twinzone_sync_errors_total provider=b zone=example.test.":                   1,
		"twinzone_sync_last_success_timestamp_seconds provider=a zone=example.test.": 1e9,
		// Exported from the start by InitZone.
		"twinzone_cut_off zone=init.test.":                       0,
		"twinzone_sync_errors_total provider=b zone=init.test.":  0,
		"twinzone_failovers_total kind=failover zone=init.test.": 0,
		"twinzone_provider_up provider=a zone=init.test.":        0,
	} {
		if got, ok := values[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	// The controller's own health: goroutines, memory, open files.
	for _, n := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_open_fds", "process_resident_memory_bytes"} {
		if !runtime[n] {
			t.Errorf("%s missing from /metrics", n)
		}
	}
}
