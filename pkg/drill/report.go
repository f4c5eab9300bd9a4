package drill

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Event is one line of a drill's timeline, At after the drill started.
type Event struct {
	At   time.Duration
	Text string
}

// Report is what one drill measured. Durations of the failover are measured from the moment
// the primary was stopped; Recover and FailbackPublished from its restart.
type Report struct {
	Mode string

	// Settings of the run.
	Interval, ProbeTimeout   time.Duration
	FailAfter                int
	LoadPeriod, QueryTimeout time.Duration
	Names                    int
	DelegationTTL            time.Duration // parent NS and glue TTL
	RecordTTL                time.Duration // the zone's records
	CacheMaxTTL, InfraTTL    time.Duration // Unbound cache-max-ttl, infra-host-ttl
	Settle                   time.Duration // outage end = parent published + Settle

	FirstFailure      time.Duration // the first round with a failing primary probe started
	Detect            time.Duration // the verdict down (end of its deciding round)
	RegistrarCall     time.Duration // the registrar was asked for the new set
	ParentPublished   time.Duration // the parent served the new set (runner's polling)
	Recover           time.Duration // primary restarted -> verdict up
	FailbackPublished time.Duration // primary restarted -> parent serves the normal set

	// Resolutions through Unbound by the phase in which they started: before the primary
	// stopped; during the outage (stop -> parent published + Settle); after it (until the
	// primary restarted); and from the restart through failback to the end.
	Before, During, After, Failback Tally

	// PerSecond tallies the resolutions by the second they started in, from LoadStart
	// (measured from the start of the drill, like Timeline).
	LoadStart time.Duration
	PerSecond []Tally

	Total    time.Duration
	Timeline []Event
}

// String prints the report as a table.
func (r Report) String() string { return Table(r) }

// Table prints reports side by side, one column per mode.
func Table(reports ...Report) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(label string, f func(Report) string) {
		fmt.Fprint(w, label)
		for _, r := range reports {
			fmt.Fprint(w, "\t", f(r))
		}
		fmt.Fprintln(w, "\t")
	}
	dur := func(f func(Report) time.Duration) func(Report) string {
		return func(r Report) string { return secs(f(r)) }
	}
	row("mode", func(r Report) string { return r.Mode })
	row("probe interval / timeout / fail_after", func(r Report) string {
		return fmt.Sprintf("%s / %s / %d", r.Interval, r.ProbeTimeout, r.FailAfter)
	})
	row("TTL delegation / records; Unbound cache-max-ttl, infra-host-ttl", func(r Report) string {
		return fmt.Sprintf("%s / %s; %s, %s", r.DelegationTTL, r.RecordTTL, r.CacheMaxTTL, r.InfraTTL)
	})
	row("Unbound infra-cache-max-rtt, max-sent-count; SERVFAIL hold", func(r Report) string {
		return fmt.Sprintf("%s, %d; %s", ResolverMaxRTT, ResolverMaxSent, ResolverServfailHold)
	})
	row("load: names every period, timeout", func(r Report) string {
		return fmt.Sprintf("%d every %s, %s", r.Names, r.LoadPeriod, r.QueryTimeout)
	})
	row("first failing probe round (from kill)", dur(func(r Report) time.Duration { return r.FirstFailure }))
	row("time to detect (kill -> verdict down)", dur(func(r Report) time.Duration { return r.Detect }))
	row("time to the registrar call", dur(func(r Report) time.Duration { return r.RegistrarCall }))
	row("time until the parent publishes the new set", dur(func(r Report) time.Duration { return r.ParentPublished }))
	row("resolution before the outage", func(r Report) string { return r.Before.String() })
	row("resolution during (kill -> published + settle)", func(r Report) string {
		return r.During.String() + " (settle " + secs(r.Settle) + ")"
	})
	row("resolution after the outage", func(r Report) string { return r.After.String() })
	row("resolution from restart through failback", func(r Report) string { return r.Failback.String() })
	row("primary back: verdict up / failback published", func(r Report) string {
		return secs(r.Recover) + " / " + secs(r.FailbackPublished)
	})
	row("drill total", dur(func(r Report) time.Duration { return r.Total }))
	_ = w.Flush()
	return b.String()
}

// TimelineString prints the report's timeline.
func (r Report) TimelineString() string {
	var b strings.Builder
	for _, e := range r.Timeline {
		fmt.Fprintf(&b, "%8s  %s\n", secs(e.At), e.Text)
	}
	if len(r.PerSecond) > 0 {
		fmt.Fprintf(&b, "successful resolutions per second from %s:", secs(r.LoadStart))
		for _, t := range r.PerSecond {
			fmt.Fprintf(&b, " %d/%d", t.OK, t.Total)
		}
		b.WriteString("\n")
	}
	for _, p := range []struct {
		name string
		t    Tally
	}{{"before", r.Before}, {"during", r.During}, {"after", r.After}, {"failback", r.Failback}} {
		if p.t.FirstError != "" {
			fmt.Fprintf(&b, "first failure %s: %s\n", p.name, p.t.FirstError)
		}
		reasons := slices.Collect(maps.Keys(p.t.Errors))
		slices.SortFunc(reasons, func(a, b string) int { return cmp.Compare(p.t.Errors[b], p.t.Errors[a]) })
		for i, reason := range reasons {
			if i == 5 {
				break
			}
			fmt.Fprintf(&b, "  %s: %dx %s\n", p.name, p.t.Errors[reason], reason)
		}
	}
	return b.String()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
