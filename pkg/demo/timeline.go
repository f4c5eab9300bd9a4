package demo

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// timeline prints lines prefixed with the time elapsed since the demo started. It is safe
// for concurrent use.
type timeline struct {
	mu    sync.Mutex
	out   io.Writer
	start time.Time
}

func newTimeline(out io.Writer) *timeline { return &timeline{out: out, start: time.Now()} }

// logf prints one timeline line stamped with the current elapsed time.
func (tl *timeline) logf(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fmt.Fprintf(tl.out, "  %s  %s\n", stamp(time.Since(tl.start)), fmt.Sprintf(format, args...))
}

// logAt prints one timeline line stamped with the elapsed time at t (an event measured
// earlier than it is printed).
func (tl *timeline) logAt(t time.Time, format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fmt.Fprintf(tl.out, "  %s  %s\n", stamp(t.Sub(tl.start)), fmt.Sprintf(format, args...))
}

// section prints a heading without a time stamp.
func (tl *timeline) section(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fmt.Fprintf(tl.out, "\n%s\n", fmt.Sprintf(format, args...))
}

// printf prints free text (the summary).
func (tl *timeline) printf(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fmt.Fprintf(tl.out, format, args...)
}

func stamp(d time.Duration) string { return fmt.Sprintf("%+7.2fs", d.Seconds()) }

// secs renders a duration in seconds with millisecond precision ("1.843s").
func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
