package plan

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/twinzone/twinzone/pkg/zone"
)

const (
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiReset  = "\x1b[0m"
)

// RenderText writes plans for a human: one block per plan, one line per changed RRset ("+"
// create, "~" update, "-" delete; coloured green, yellow, red when color is set), updates
// showing the values removed and added and any TTL change, then a summary line.
func RenderText(w io.Writer, plans []*Plan, color bool) error {
	bw := bufio.NewWriter(w)
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + ansiReset
	}
	for _, p := range plans {
		fmt.Fprintf(bw, "%s\n", p.label())
		if p.Error != "" {
			fmt.Fprintf(bw, "  %s %s\n\n", paint(ansiRed, "ERROR:"), p.Error)
			continue
		}
		for _, c := range p.Changes {
			k := c.Key()
			name, typ := k.Name, zone.TypeString(k.Type)
			switch c.Action {
			case Create:
				writeValues(bw, paint(ansiGreen, "+"), name, typ, c.New, paint, ansiGreen, "+")
			case Delete:
				writeValues(bw, paint(ansiRed, "-"), name, typ, c.Old, paint, ansiRed, "-")
			case Update:
				ttl := ""
				if c.Old.TTL != c.New.TTL {
					ttl = fmt.Sprintf(" ttl %d -> %d", c.Old.TTL, c.New.TTL)
				}
				fmt.Fprintf(bw, "  %s %s %s%s\n", paint(ansiYellow, "~"), name, typ, ttl)
				for _, d := range diffValues(c.Old.Values, c.New.Values) {
					switch d.op {
					case '-':
						fmt.Fprintf(bw, "      %s\n", paint(ansiRed, "- "+d.v))
					case '+':
						fmt.Fprintf(bw, "      %s\n", paint(ansiGreen, "+ "+d.v))
					default:
						fmt.Fprintf(bw, "        %s\n", d.v)
					}
				}
			}
		}
		for _, u := range p.Unmanaged {
			fmt.Fprintf(bw, "  ! %s: %s\n", u.Key, u.Reason)
		}
		fmt.Fprintf(bw, "  %s\n\n", summary(p))
	}
	return bw.Flush()
}

func writeValues(w io.Writer, sign, name, typ string, s *zone.RRset, paint func(string, string) string, c, op string) {
	if len(s.Values) == 1 {
		fmt.Fprintf(w, "  %s %s %d %s %s\n", sign, name, s.TTL, typ, s.Values[0])
		return
	}
	fmt.Fprintf(w, "  %s %s %d %s\n", sign, name, s.TTL, typ)
	for _, v := range s.Values {
		fmt.Fprintf(w, "      %s\n", paint(c, op+" "+v))
	}
}

// recordCounts counts the plan's changes without the sync stamp (twinzone's own record, not
// a change the user made), and reports whether the stamp changes.
func recordCounts(p *Plan) (Counts, bool) {
	var c Counts
	stamp := false
	for _, ch := range p.Changes {
		if p.IsStamp(ch) {
			stamp = true
			continue
		}
		switch ch.Action {
		case Create:
			c.Create++
		case Update:
			c.Update++
		case Delete:
			c.Delete++
		}
	}
	return c, stamp
}

// summary is the one-line account of a plan; the sync stamp is named apart, never counted.
func summary(p *Plan) string {
	if p.Error != "" {
		return "ERROR: " + p.Error
	}
	extra := strconv.Itoa(p.Existing) + " existing"
	if p.Ignored > 0 {
		extra += ", " + strconv.Itoa(p.Ignored) + " ignored"
	}
	if len(p.Unmanaged) > 0 {
		extra += ", " + strconv.Itoa(len(p.Unmanaged)) + " unmanaged"
	}
	c, stamp := recordCounts(p)
	if stamp {
		extra += "; sync stamp to update"
	}
	if p.VerifyOnly {
		if c.Total() == 0 && !stamp {
			return "no changes (" + extra + "; verify-only: serves the zone file by transfer)"
		}
		return fmt.Sprintf("verify-only, never written: not yet transferred from the primary, or its feed is broken: %d to create, %d to update, %d to delete (%s)", c.Create, c.Update, c.Delete, extra)
	}
	if c.Total() == 0 {
		return "no changes (" + extra + ")"
	}
	return fmt.Sprintf("%d to create, %d to update, %d to delete (%s)", c.Create, c.Update, c.Delete, extra)
}

type valueDiff struct {
	op byte // '-', '+' or ' '
	v  string
}

// diffValues merges two sorted value lists into removed, added and kept values, in order.
func diffValues(old, new []string) []valueDiff {
	out := make([]valueDiff, 0, max(len(old), len(new)))
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j >= len(new) || (i < len(old) && old[i] < new[j]):
			out = append(out, valueDiff{'-', old[i]})
			i++
		case i >= len(old) || new[j] < old[i]:
			out = append(out, valueDiff{'+', new[j]})
			j++
		default:
			out = append(out, valueDiff{' ', old[i]})
			i++
			j++
		}
	}
	// removed values first, then added, then kept: easier to read than interleaved
	slices.SortStableFunc(out, func(a, b valueDiff) int { return order(a.op) - order(b.op) })
	return out
}

func order(op byte) int {
	switch op {
	case '-':
		return 0
	case '+':
		return 1
	}
	return 2
}
