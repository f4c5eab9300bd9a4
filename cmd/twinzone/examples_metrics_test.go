package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/twinzone/twinzone/pkg/metrics"
)

// registeredMetricNames returns the names of every collector in a metrics.Metrics, found by
// reflection so that a collector added later is covered without touching this test.
func registeredMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	names := map[string]bool{}
	v := reflect.ValueOf(m).Elem()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for i := range v.NumField() {
		c, ok := v.Field(i).Interface().(prometheus.Collector)
		if !ok || v.Field(i).Type() == reflect.TypeOf(m.Registry) {
			continue
		}
		ch := make(chan *prometheus.Desc, 16)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			if sm := fqName.FindStringSubmatch(d.String()); sm != nil {
				names[sm[1]] = true
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("pkg/metrics registers no collectors")
	}
	return names
}

// alertExprs returns the expr of every rule in a Prometheus rules file.
func alertExprs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("%s: group %s has a rule without alert or expr", path, g.Name)
			}
			out[r.Alert] = r.Expr
		}
	}
	return out
}

// TestExamplesAlertRulesUseRealMetrics: the alert rules refer only to metric names that
// pkg/metrics registers (histogram series suffixes allowed), and cover the situations the
// rules promise: provider down, zone out of sync, failover happened, sync failing.
func TestExamplesAlertRulesUseRealMetrics(t *testing.T) {
	names := registeredMetricNames(t)
	exprs := alertExprs(t, filepath.Join(examplesDir, "prometheus", "twinzone-alerts.yaml"))
	metricRE := regexp.MustCompile(`\btwinzone_[a-z0-9_]+`)
	used := map[string]bool{}
	for alert, expr := range exprs {
		for _, m := range metricRE.FindAllString(expr, -1) {
			base := m
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(m, suf); ok && names[b] {
					base = b
				}
			}
			if !names[base] {
				t.Errorf("alert %s uses %s, which pkg/metrics does not register (it has %v)", alert, m, sortedKeys(names))
			}
			used[base] = true
		}
	}
	for _, want := range []string{"twinzone_provider_up", "twinzone_failovers_total",
		"twinzone_sync_last_success_timestamp_seconds", "twinzone_sync_errors_total"} {
		if !used[want] {
			t.Errorf("no alert uses %s", want)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
