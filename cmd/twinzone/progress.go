package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	stdsync "sync"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// progressBatch is how many changes sync hands a provider at a time when it shows progress: a
// multiple of every provider's own batch (Cloudflare 200, RFC 2136 500, Route 53 1,000), so
// showing progress costs no extra requests on the default settings.
const progressBatch = 1000

// stderrGate is the process's stderr (App.ErrWriter). Log lines and the progress bar share
// the terminal's last line: while a bar is shown, a log line first clears it, and the bar is
// drawn again below the log line, so neither is cut in two.
type stderrGate struct {
	mu  stdsync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar // the bar on screen, drawn straight to w; nil when none
}

func (g *stderrGate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bar != nil {
		_ = g.bar.Clear()
	}
	n, err := g.w.Write(b)
	if g.bar != nil {
		_ = g.bar.RenderBlank() // the current state again
	}
	return n, err
}

// syncProgress draws one bar for all providers of a sync on a terminal.
type syncProgress struct {
	gate    *stderrGate
	bar     *progressbar.ProgressBar
	applied map[string]int
	total   map[string]int
}

// newSyncProgress returns nil (no bar) unless stderr is a terminal and logs are text: CI logs
// and JSON logs stay free of control characters.
func newSyncProgress(c *cli.Context) *syncProgress {
	gate, ok := c.App.ErrWriter.(*stderrGate)
	if !ok || !isTerminal(gate) || c.String("log-format") == "json" {
		return nil
	}
	return startProgress(gate, useColor(c, gate))
}

func startProgress(gate *stderrGate, color bool) *syncProgress {
	p := &syncProgress{gate: gate,
		bar: progressbar.NewOptions(1,
			progressbar.OptionSetWriter(gate.w),
			progressbar.OptionSetDescription("sync"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionEnableColorCodes(color),
		),
		applied: map[string]int{}, total: map[string]int{},
	}
	gate.mu.Lock()
	gate.bar = p.bar
	gate.mu.Unlock()
	return p
}

// update is the sync.Syncer Progress hook; it is called from the providers' goroutines.
func (p *syncProgress) update(target string, applied, total int) {
	p.gate.mu.Lock()
	defer p.gate.mu.Unlock()
	p.applied[target], p.total[target] = applied, total
	sum, max := 0, 0
	names := make([]string, 0, len(p.total))
	for n := range p.total {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		sum += p.applied[n]
		max += p.total[n]
		parts = append(parts, fmt.Sprintf("%s %d/%d", n, p.applied[n], p.total[n]))
	}
	p.bar.ChangeMax(max)
	p.bar.Describe("sync " + strings.Join(parts, ", "))
	_ = p.bar.Set(sum)
}

// finish removes the bar before the plan and the result are printed.
func (p *syncProgress) finish() {
	if p == nil {
		return
	}
	p.gate.mu.Lock()
	defer p.gate.mu.Unlock()
	_ = p.bar.Finish()
	_ = p.bar.Clear()
	p.gate.bar = nil
}
