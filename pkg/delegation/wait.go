package delegation

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// DefaultPoll is the polling interval of WaitFor when poll <= 0.
const DefaultPoll = 2 * time.Second

// ErrNotVisible is wrapped by WaitFor's error when ctx ended before every parent server
// published the wanted NS set.
var ErrNotVisible = errors.New("delegation not yet visible on every parent server")

// WaitFor polls the parent servers every poll until each of them publishes exactly want
// (compared case-insensitively, in any order, trailing dot optional) and returns how long that
// took. A server that does not answer counts as not yet publishing. It stops when ctx ends,
// with an error wrapping ErrNotVisible that says what each server still publishes; give ctx a
// deadline.
func (r *Reader) WaitFor(ctx context.Context, parentServers []netip.AddrPort, zone string, want []string, poll time.Duration) (time.Duration, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	want = Normalize(want)
	if len(want) == 0 {
		return 0, fmt.Errorf("wait for delegation of %s: empty NS set", zone)
	}
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last string
	for {
		select {
		case <-ctx.Done():
			if last == "" {
				last = ctx.Err().Error()
			}
			return time.Since(start), fmt.Errorf("%w: want %s; %s", ErrNotVisible, strings.Join(want, " "), last)
		case <-timer.C:
		}
		d, err := r.Delegation(ctx, parentServers, zone)
		if err == nil && publishesAll(d, want) {
			return time.Since(start), nil
		}
		// A poll cut short by ctx's end says nothing about the parent: keep the last real view.
		if ctx.Err() == nil || last == "" {
			last = describe(d)
		}
		r.logger().Debug("delegation not visible yet", "zone", zone, "seen", last)
		timer.Reset(poll)
	}
}

func publishesAll(d Delegation, want []string) bool {
	for _, v := range d.Servers {
		if v.Err != nil || !slices.Equal(v.NS, want) {
			return false
		}
	}
	return len(d.Servers) > 0
}

// describe summarises what each server publishes, for errors.
func describe(d Delegation) string {
	parts := make([]string, 0, len(d.Servers))
	for _, v := range d.Servers {
		if v.Err != nil {
			parts = append(parts, v.Err.Error())
		} else {
			parts = append(parts, fmt.Sprintf("%s: %s", v.Server, strings.Join(v.NS, " ")))
		}
	}
	return strings.Join(parts, "; ")
}
