// Package metrics holds twinzone's Prometheus collectors, on a registry of their own (no
// global state), and the helpers that feed them from probe rounds, verdicts and syncs.
//
// Metric names (stable; the README and the alert rules use them):
//
//	twinzone_provider_up{zone,provider}                         1 up, 0 down or unknown
//	twinzone_probe_results_total{zone,provider,reason}          probe results by reason
//	twinzone_probe_latency_seconds{zone,provider}               histogram of answered probes
//	twinzone_failovers_total{zone,kind}                         applied delegation changes (failover, failback)
//	twinzone_delegated{zone,provider}                           1 when the provider is in the delegation
//	twinzone_cut_off{zone}                                      1 when the controller found itself cut off
//	twinzone_sync_last_success_timestamp_seconds{zone,provider} unix time of the last converged sync
//	twinzone_sync_errors_total{zone,provider}                   failed syncs
//	twinzone_failover_blocked{zone,reason}                      1 while a wanted change is held back for reason
//	twinzone_delegation_changes_total{zone,by}                  delegation changes observed (by: this_process, other_process, outside)
//	twinzone_zone_file_behind{zone}                             1 while a provider serves a newer zone version than the controller's file
//	twinzone_provider_stale{zone,provider}                      1 while the provider serves an older zone version than the newest known
//
// InitZone exports every zone's series from the start (cut_off 0, no errors, no failovers), so
// alerts see a value, not an absent series, before the first event. The registry also carries
// the standard Go (go_*: goroutines, memory, GC) and process (process_*: CPU, resident memory,
// open file descriptors) collectors, to alert on the controller itself.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/twinzone/twinzone/pkg/probe"
)

// Metrics is the set of collectors of one controller process. Safe for concurrent use.
type Metrics struct {
	Registry        *prometheus.Registry
	ProviderUp      *prometheus.GaugeVec
	ProbeResults    *prometheus.CounterVec
	ProbeLatency    *prometheus.HistogramVec
	Failovers       *prometheus.CounterVec
	Delegated       *prometheus.GaugeVec
	CutOff          *prometheus.GaugeVec
	SyncLastSuccess *prometheus.GaugeVec
	SyncErrors      *prometheus.CounterVec
	Blocked         *prometheus.GaugeVec
	DelegationSeen  *prometheus.CounterVec
	FileBehind      *prometheus.GaugeVec
	Stale           *prometheus.GaugeVec
}

// New returns the collectors registered on a new registry (with the Go and process collectors).
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		ProviderUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_provider_up",
			Help: "1 when the provider's verdict is up, 0 when down or unknown."}, []string{"zone", "provider"}),
		ProbeResults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "twinzone_probe_results_total",
			Help: "Authoritative probe results, by reason (ok, timeout, refused, ...)."}, []string{"zone", "provider", "reason"}),
		ProbeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "twinzone_probe_latency_seconds",
			Help:    "Latency of probes that got an answer.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"zone", "provider"}),
		Failovers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "twinzone_failovers_total",
			Help: "Delegation changes accepted by the registrar, by kind (failover, failback)."}, []string{"zone", "kind"}),
		Delegated: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_delegated",
			Help: "1 when the provider's nameservers are in the delegation."}, []string{"zone", "provider"}),
		CutOff: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_cut_off",
			Help: "1 when no probe target answered in the last round: the controller itself is cut off."}, []string{"zone"}),
		SyncLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_sync_last_success_timestamp_seconds",
			Help: "Unix time of the last sync that converged the provider."}, []string{"zone", "provider"}),
		SyncErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "twinzone_sync_errors_total",
			Help: "Syncs of a provider that ended in an error."}, []string{"zone", "provider"}),
		Blocked: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_failover_blocked",
			Help: "1 while a wanted delegation change is held back, by reason (cut_off, auto_off, manual_failback, cooldown, daily_cap, preflight, registrar)."}, []string{"zone", "reason"}),
		DelegationSeen: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "twinzone_delegation_changes_total",
			Help: "Delegation changes the controller observed, by who made them (this_process, other_process, outside)."}, []string{"zone", "by"}),
		FileBehind: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_zone_file_behind",
			Help: "1 while a provider serves a newer zone version (SOA serial) than the controller's zone file."}, []string{"zone"}),
		Stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_provider_stale",
			Help: "1 while the provider serves an older zone version (sync stamp) than the newest known, or none."}, []string{"zone", "provider"}),
	}
	m.Registry.MustRegister(m.ProviderUp, m.ProbeResults, m.ProbeLatency, m.Failovers, m.Delegated,
		m.CutOff, m.SyncLastSuccess, m.SyncErrors, m.Blocked, m.DelegationSeen, m.FileBehind, m.Stale,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// InitZone exports a zone's series before anything happened: not cut off, providers not up
// (no verdict yet), no sync errors, no failovers.
func (m *Metrics) InitZone(zone string, providers []string) {
	m.CutOff.WithLabelValues(zone).Set(0)
	for _, p := range providers {
		m.ProviderUp.WithLabelValues(zone, p)
		m.SyncErrors.WithLabelValues(zone, p)
	}
	for _, kind := range []string{"failover", "failback"} {
		m.Failovers.WithLabelValues(zone, kind)
	}
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveRound counts a probe round's results and latencies. Control targets count under
// their own provider label ("control").
func (m *Metrics) ObserveRound(zone string, r probe.Round) {
	for _, res := range r.Results {
		m.ProbeResults.WithLabelValues(zone, res.Provider, string(res.Reason)).Inc()
		if res.Latency > 0 && res.Reason != probe.Timeout && res.Reason != probe.Unreachable {
			m.ProbeLatency.WithLabelValues(zone, res.Provider).Observe(res.Latency.Seconds())
		}
	}
}

// SetUp sets twinzone_provider_up.
func (m *Metrics) SetUp(zone, provider string, up bool) {
	m.ProviderUp.WithLabelValues(zone, provider).Set(b2f(up))
}

// SetDelegated sets twinzone_delegated for every provider of a zone.
func (m *Metrics) SetDelegated(zone string, all, delegated []string) {
	in := map[string]bool{}
	for _, p := range delegated {
		in[p] = true
	}
	for _, p := range all {
		m.Delegated.WithLabelValues(zone, p).Set(b2f(in[p]))
	}
}

// SetCutOff sets twinzone_cut_off.
func (m *Metrics) SetCutOff(zone string, cut bool) { m.CutOff.WithLabelValues(zone).Set(b2f(cut)) }

// Failover counts an applied delegation change of kind ("failover" or "failback").
func (m *Metrics) Failover(zone, kind string) { m.Failovers.WithLabelValues(zone, kind).Inc() }

// Synced records a sync of one provider: success sets the timestamp, failure counts an error.
func (m *Metrics) Synced(zone, provider string, unixSeconds float64, err error) {
	if err != nil {
		m.SyncErrors.WithLabelValues(zone, provider).Inc()
		return
	}
	m.SyncLastSuccess.WithLabelValues(zone, provider).Set(unixSeconds)
}

// SetBlocked sets twinzone_failover_blocked of zone: 1 for reason, 0 for the others of all
// ("" clears them all).
func (m *Metrics) SetBlocked(zone, reason string, all []string) {
	for _, r := range all {
		m.Blocked.WithLabelValues(zone, r).Set(b2f(r == reason))
	}
}

// DelegationChanged counts an observed delegation change.
func (m *Metrics) DelegationChanged(zone, by string) {
	m.DelegationSeen.WithLabelValues(zone, by).Inc()
}

// SetStale sets twinzone_provider_stale.
func (m *Metrics) SetStale(zone, provider string, stale bool) {
	m.Stale.WithLabelValues(zone, provider).Set(b2f(stale))
}

// SetBehind sets twinzone_zone_file_behind.
func (m *Metrics) SetBehind(zone string, behind bool) {
	m.FileBehind.WithLabelValues(zone).Set(b2f(behind))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
