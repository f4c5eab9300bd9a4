// Package demo runs twinzone's whole story on this machine with nothing to install and no
// credentials: three in-process authoritative servers (pkg/demo/authserver) play the parent
// zone test. and two providers of example.test.; a temporary twinzone.yaml points the real
// rfc2136 provider and registrar at them. Then: sync both providers (pkg/sync), probe them
// (pkg/probe), stop the primary, let the controller of `twinzone run` (pkg/controller:
// RunOnce every probe interval, with its state directory and journal) take it out of the
// delegation, keep resolving through an iterative lookup from the parent, bring the primary
// back and fail back by hand (Zone.Failback, the path of `twinzone failback`). Every step is
// printed on a timeline with measured times.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/twinzone/twinzone/pkg/failover"
)

// DefaultHold is Options.Hold when unset.
const DefaultHold = time.Second

// Options configure Run. The zero value runs the active-active story.
type Options struct {
	// Mode is "active-active" (default) or "switch".
	Mode string
	// Out receives the timeline; nil discards it.
	Out io.Writer
	// Logger receives the libraries' logs; nil discards.
	Logger *slog.Logger
	// Hold is how long each phase (before, during, after the outage) is watched once its step
	// is done; 0 means DefaultHold.
	Hold time.Duration
	// Deadline bounds the whole run; 0 means 50 s.
	Deadline time.Duration

	afterStart func(*lab) // tests: break the lab before the story starts
}

// Summary is what the demo measured. Durations are measured from the moment the primary was
// stopped (failover) or started again (failback).
type Summary struct {
	Mode string
	// Detect: until the tracker judged the primary down.
	Detect time.Duration
	// RegistrarCall: until the registrar was asked to change the delegation.
	RegistrarCall time.Duration
	// ParentPublished: until the parent served the new NS set.
	ParentPublished time.Duration
	// Recover: from the primary's restart until the tracker judged it up again.
	Recover time.Duration
	// FailbackPublished: from the restart until the parent served the normal set again.
	FailbackPublished time.Duration
	// Resolution tallies the iterative lookups by phase (Before, During, After).
	Resolution [3]Tally
	// Total is the run time.
	Total time.Duration
}

func (o Options) withDefaults() (Options, error) {
	switch o.Mode {
	case "":
		o.Mode = string(failover.ActiveActive)
	case string(failover.ActiveActive), string(failover.Switch):
	default:
		return o, fmt.Errorf("demo: unknown mode %q (want active-active or switch)", o.Mode)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Hold <= 0 {
		o.Hold = DefaultHold
	}
	if o.Deadline <= 0 {
		o.Deadline = 50 * time.Second
	}
	return o, nil
}

// Run plays the story and returns what it measured. It returns an error as soon as a step
// fails (the timeline says which); the servers and the temporary directory are removed in
// every case.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Deadline)
	defer cancel()
	tl := newTimeline(o.Out)
	tl.printf("twinzone demo (%s): example.test. on two providers, a parent zone test., all in-process on 127.0.0.1\n", o.Mode)
	l, err := startLab(o.Mode)
	if err != nil {
		tl.logf("FAILED to start the lab: %v", err)
		return nil, fmt.Errorf("demo: start the lab: %w", err)
	}
	defer l.close()
	if o.afterStart != nil {
		o.afterStart(l)
	}
	s := &story{o: o, tl: tl, lab: l, sum: &Summary{Mode: o.Mode}}
	err = s.run(ctx)
	s.sum.Total = time.Since(tl.start)
	if err != nil {
		tl.logf("FAILED: %v", err)
		return s.sum, fmt.Errorf("demo: %w", err)
	}
	s.printSummary()
	return s.sum, nil
}
