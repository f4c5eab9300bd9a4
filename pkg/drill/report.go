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
	CacheMaxTTL, InfraTTL    time.Duration // resolvers' max cache TTL; Unbound infra-host-ttl
	Settle                   time.Duration // outage end = parent published + Settle

	FirstFailure      time.Duration // the first round with a failing primary probe started
	Detect            time.Duration // the verdict down (end of its deciding round)
	RegistrarCall     time.Duration // the registrar was asked for the new set
	ParentPublished   time.Duration // the parent served the new set (runner's polling)
	Recover           time.Duration // primary restarted -> verdict up
	FailbackPublished time.Duration // primary restarted -> parent serves the normal set

	// Resolvers is what each resolver's load loop measured, in Lab.Resolvers' order;
	// LoadStart is when the loops started (from the start of the drill, like Timeline).
	Resolvers []ResolverReport
	LoadStart time.Duration

	Total    time.Duration
	Timeline []Event
}

// ResolverReport is one resolver's resolutions during a drill.
type ResolverReport struct {
	Name, Addr   string
	ServfailHold time.Duration // Resolver.ServfailHold
	// Resolutions by the phase in which they started: before the primary stopped; during
	// the outage (stop -> parent published + Settle); after it (until the primary
	// restarted); and from the restart through failback to the end.
	Before, During, After, Failback Tally
	// LastFailure is when the last failed resolution between the stop and the restart
	// began, from the moment the parent published the new set (negative: before it; 0: no
	// failure); FailingAtRestart is true when one began in the second before the restart.
	LastFailure      time.Duration
	FailingAtRestart bool
	// PerSecond tallies the resolutions by the second they started in, from LoadStart.
	PerSecond []Tally
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
	row("TTL delegation / records; resolvers' max cache TTL, Unbound infra-host-ttl", func(r Report) string {
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
	for i := range maxResolvers(reports) {
		res := func(f func(ResolverReport) string) func(Report) string {
			return func(r Report) string {
				if i >= len(r.Resolvers) {
					return "-"
				}
				return f(r.Resolvers[i])
			}
		}
		row("resolver", res(func(rr ResolverReport) string { return rr.Name }))
		row("  SERVFAIL held in its cache (documented)", res(func(rr ResolverReport) string { return secs(rr.ServfailHold) }))
		row("  resolution before the outage", res(func(rr ResolverReport) string { return rr.Before.String() }))
		row("  resolution during (kill -> published + settle)", func(r Report) string {
			return res(func(rr ResolverReport) string { return rr.During.String() })(r) + " (settle " + secs(r.Settle) + ")"
		})
		row("  resolution after the outage", res(func(rr ResolverReport) string { return rr.After.String() }))
		row("  last failure (from the parent publishing)", res(func(rr ResolverReport) string {
			switch {
			case rr.FailingAtRestart:
				return "still failing at the restart"
			case rr.LastFailure == 0:
				return "none"
			}
			return secs(rr.LastFailure)
		}))
		row("  resolution from restart through failback", res(func(rr ResolverReport) string { return rr.Failback.String() }))
	}
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
	for _, rr := range r.Resolvers {
		fmt.Fprintf(&b, "%s %s: successful resolutions per second from %s:", rr.Name, rr.Addr, secs(r.LoadStart))
		for _, t := range rr.PerSecond {
			fmt.Fprintf(&b, " %d/%d", t.OK, t.Total)
		}
		b.WriteString("\n")
		for _, p := range []struct {
			name string
			t    Tally
		}{{"before", rr.Before}, {"during", rr.During}, {"after", rr.After}, {"failback", rr.Failback}} {
			reasons := slices.Collect(maps.Keys(p.t.Errors))
			slices.SortFunc(reasons, func(a, b string) int { return cmp.Compare(p.t.Errors[b], p.t.Errors[a]) })
			for i, reason := range reasons {
				if i == 5 {
					break
				}
				fmt.Fprintf(&b, "  %s: %dx %s\n", p.name, p.t.Errors[reason], reason)
			}
		}
	}
	return b.String()
}

func maxResolvers(reports []Report) int {
	n := 0
	for _, r := range reports {
		n = max(n, len(r.Resolvers))
	}
	return n
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
