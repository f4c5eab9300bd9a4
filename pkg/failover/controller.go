package failover

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/stamp"
)

// Controller glues one zone's Tracker, Engine and Runner: each probe round goes through Step.
// It is what `twinzone run` calls every interval; it is not safe for concurrent use.
type Controller struct {
	Tracker *Tracker
	Engine  *Engine
	Runner  *Runner

	RequireInSync bool
	// ExpectedStamp returns the stamp the targets must serve (nil: no stamp check).
	ExpectedStamp func() stamp.Stamp
	// ParentDS returns the DS records the parent publishes now (nil: none).
	ParentDS func(ctx context.Context) ([]*dns.DS, error)
	// RetryEvery paces a decision whose execution failed (preflight refused, registrar down):
	// the same decision is tried again no sooner than this after the failure. 0: every round.
	RetryEvery time.Duration
	// Change carries out a decision that passed the guards; nil: Runner.Execute. The zone
	// controller sets its change path here (lock, re-read the shared history, intent,
	// registrar, outcome).
	Change func(ctx context.Context, now time.Time, req Request) (Outcome, error)

	lastBlocked string
	failedKey   string
	failedAt    time.Time
	failedHold  Hold
	// Aggregate, when set (fleet mode), turns this controller's own transitions into those
	// the engine decides from (the fleet's verdicts), and names the Hold that keeps this
	// process from acting ("" when it may: it leads and has a live etcd session).
	Aggregate func(ctx context.Context, now time.Time, own []Transition) (decideFrom []Transition, hold Hold, why string)
}

// HeldError is returned by a Change function when a guard, re-checked against fresh shared
// history just before the registrar call, holds the decision back.
type HeldError struct {
	Hold   Hold
	Reason string
}

func (e *HeldError) Error() string { return "held back: " + e.Reason }

// StepResult is what one Step saw and did.
type StepResult struct {
	Transitions []Transition
	Decision    Decision
	Outcome     *Outcome // set when the Runner was called
	Err         error    // the Runner's error, if any
	// Hold is why a wanted change was not made in this step ("" when none was wanted, or it
	// was made): a guard (Decision.Hold), or a failed attempt (preflight, registrar), also
	// while the retry waits for RetryEvery.
	Hold Hold
}

// Step feeds one round: verdict transitions are journaled (and sent to the webhook), the
// engine decides at now, and a decision that passes the guards is executed. A blocked
// decision is journaled once per distinct reason.
func (c *Controller) Step(ctx context.Context, now time.Time, round probe.Round) StepResult {
	var res StepResult
	res.Transitions = c.Tracker.Observe(round)
	for _, tr := range res.Transitions {
		c.Runner.Notify(Event{Time: now, Kind: "verdict", Provider: tr.Provider,
			Message: string(tr.From) + " -> " + string(tr.To) + ": " + tr.Reason, Evidence: tr})
	}
	decideFrom, fleetHold, fleetWhy := res.Transitions, Hold(""), ""
	if c.Aggregate != nil {
		decideFrom, fleetHold, fleetWhy = c.Aggregate(ctx, now, res.Transitions)
	}
	res.Decision = c.Engine.Observe(now, decideFrom)
	if fleetHold != "" && res.Decision.Kind != None {
		d := res.Decision
		d.Kind, d.Wanted, d.Blocked, d.Hold = None, res.Decision.Kind, fleetWhy, fleetHold
		res.Decision = d
	}
	key := string(res.Decision.Kind) + " " + strings.Join(res.Decision.Set.Names(), " ")
	if res.Decision.Kind != None && key == c.failedKey && c.RetryEvery > 0 && now.Sub(c.failedAt) < c.RetryEvery {
		d := res.Decision
		d.Kind, d.Wanted = None, res.Decision.Kind
		d.Blocked = "last attempt failed at " + c.failedAt.UTC().Format(time.RFC3339) + ": retrying after " + c.RetryEvery.String()
		d.Hold = c.failedHold
		res.Decision = d
	}
	res.Hold = res.Decision.Hold
	if res.Decision.Blocked != c.lastBlocked && res.Decision.Blocked != "" {
		c.Runner.Notify(Event{Time: now, Kind: string(res.Decision.Wanted),
			Message: "held back: " + res.Decision.Blocked, Evidence: res.Decision})
	}
	c.lastBlocked = res.Decision.Blocked
	if res.Decision.Kind == None {
		return res
	}
	req := Request{Decision: res.Decision, Targets: c.Engine.Targets(res.Decision), RequireInSync: c.RequireInSync}
	if c.ExpectedStamp != nil {
		req.ExpectedStamp = c.ExpectedStamp()
	}
	if c.ParentDS != nil {
		ds, err := c.ParentDS(ctx)
		if err != nil {
			res.Err, res.Hold = err, HoldPreflight
			c.failedKey, c.failedAt, c.failedHold = key, now, HoldPreflight
			c.Runner.Notify(Event{Time: now, Kind: "preflight", Message: "cannot read the parent's DS records: " + err.Error()})
			return res
		}
		req.ParentDS = ds
	}
	var out Outcome
	var err error
	if c.Change != nil {
		out, err = c.Change(ctx, now, req)
	} else {
		out, err = c.Runner.Execute(ctx, req)
	}
	res.Outcome, res.Err = &out, err
	switch {
	case out.Applied:
		c.Engine.Applied(now, res.Decision)
		c.failedKey = ""
	case errors.As(err, new(*HeldError)):
		// The guards, re-checked against fresh history, said no: not a failed attempt.
		var he *HeldError
		errors.As(err, &he)
		res.Hold = he.Hold
	default:
		res.Hold = HoldRegistrar
		if errors.Is(err, ErrPreflight) {
			res.Hold = HoldPreflight
		}
		c.failedKey, c.failedAt, c.failedHold = key, now, res.Hold
	}
	return res
}
