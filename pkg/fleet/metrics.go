package fleet

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the fleet's collectors, as one member sees the fleet (every member exports the
// whole fleet's view, so any one of them can be scraped):
//
//	twinzone_fleet_member_up{zone,member,provider}     1 when that member sees the provider up
//	twinzone_fleet_member_cut_off{zone,member}         1 when that member is cut off
//	twinzone_fleet_member_observation_age_seconds{member} age of its latest observation
//	twinzone_fleet_leader{member}                      1 for the member that leads
//	twinzone_fleet_verdict{zone,provider,status}       1 for the fleet's verdict (up, down, unknown)
//	twinzone_fleet_voting_members{zone}                live members that are not cut off
//	twinzone_fleet_coordinated                         1 while this member has a live etcd session
//	twinzone_fleet_coordination_errors_total           rounds in which etcd could not be used
type Metrics struct {
	MemberUp     *prometheus.GaugeVec
	MemberCutOff *prometheus.GaugeVec
	MemberAge    *prometheus.GaugeVec
	Leader       *prometheus.GaugeVec
	Verdict      *prometheus.GaugeVec
	Voting       *prometheus.GaugeVec
	Coordinated  prometheus.Gauge
	CoordErrors  prometheus.Counter
}

// NewMetrics returns the collectors; Register puts them on a registry.
func NewMetrics() *Metrics {
	return &Metrics{
		MemberUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_member_up",
			Help: "1 when the member's own verdict on the provider is up, 0 when down or unknown."}, []string{"zone", "member", "provider"}),
		MemberCutOff: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_member_cut_off",
			Help: "1 when the member found itself cut off (its votes do not count)."}, []string{"zone", "member"}),
		MemberAge: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_member_observation_age_seconds",
			Help: "Age of the member's latest published observation."}, []string{"member"}),
		Leader: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_leader",
			Help: "1 for the member that leads the fleet."}, []string{"member"}),
		Verdict: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_verdict",
			Help: "1 for the fleet's verdict on the provider (status up, down or unknown)."}, []string{"zone", "provider", "status"}),
		Voting: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "twinzone_fleet_voting_members",
			Help: "Live members that are not cut off (they vote on provider health)."}, []string{"zone"}),
		Coordinated: prometheus.NewGauge(prometheus.GaugeOpts{Name: "twinzone_fleet_coordinated",
			Help: "1 while this member has a live etcd session; 0: coordination lost, the member holds."}),
		CoordErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "twinzone_fleet_coordination_errors_total",
			Help: "Rounds in which this member could not publish or read the fleet's observations."}),
	}
}

// Register registers every collector on r.
func (m *Metrics) Register(r prometheus.Registerer) error {
	var errs []error
	for _, c := range []prometheus.Collector{m.MemberUp, m.MemberCutOff, m.MemberAge, m.Leader, m.Verdict, m.Voting, m.Coordinated, m.CoordErrors} {
		errs = append(errs, r.Register(c))
	}
	return errors.Join(errs...)
}

func (m *Metrics) observe(self, zone string, r Round, now time.Time) {
	if r.Err != nil {
		m.Coordinated.Set(0)
		m.CoordErrors.Inc()
		return // keep the last known view: it is what status shows too
	}
	m.Coordinated.Set(1)
	m.MemberUp.DeletePartialMatch(prometheus.Labels{"zone": zone})
	m.MemberCutOff.DeletePartialMatch(prometheus.Labels{"zone": zone})
	m.MemberAge.Reset()
	for _, o := range r.Observations {
		m.MemberAge.WithLabelValues(o.Member).Set(now.Sub(o.At).Seconds())
		zv, ok := lookupZone(o.Zones, zone)
		if !ok {
			continue
		}
		m.MemberCutOff.WithLabelValues(zone, o.Member).Set(b2f(zv.CutOff))
		for p, s := range zv.Verdicts {
			m.MemberUp.WithLabelValues(zone, o.Member, p).Set(b2f(s == Up))
		}
	}
	m.Leader.Reset()
	if r.Leader != "" {
		m.Leader.WithLabelValues(r.Leader).Set(1)
	}
	m.Verdict.DeletePartialMatch(prometheus.Labels{"zone": zone})
	for p, pv := range r.Verdict.Providers {
		for _, s := range []string{Up, Down, Unknown} {
			m.Verdict.WithLabelValues(zone, p, s).Set(b2f(pv.Status == s))
		}
	}
	m.Voting.WithLabelValues(zone).Set(float64(r.Verdict.Live - r.Verdict.CutOff))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
