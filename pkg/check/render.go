package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes one line per finding: severity, zone, check, subject, message and, when
// not ok, "fix: ..."; then a summary line.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		subject := f.Subject
		if subject == "" {
			subject = "-"
		}
		fmt.Fprintf(&b, "%-4s  %s  %s  %s: %s", f.Severity, f.Zone, f.Check, subject, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(&b, " -- fix: %s", f.Fix)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s: %d fail, %d warn, %d ok\n", r.verdict(), r.Count(Fail), r.Count(Warn), r.Count(OK))
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) verdict() string {
	if r.Ready() {
		return "ready"
	}
	return "not ready"
}

// jsonReport is the JSON form of a report.
type jsonReport struct {
	Ready    bool           `json:"ready"`
	Summary  map[string]int `json:"summary"`
	Findings []Finding      `json:"findings"`
}

// WriteJSON writes the report as one indented JSON object:
// {"ready": bool, "summary": {"ok": n, "warn": n, "fail": n}, "findings": [...]}.
func (r Report) WriteJSON(w io.Writer) error {
	fs := r.Findings
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Ready: r.Ready(), Findings: fs,
		Summary: map[string]int{string(OK): r.Count(OK), string(Warn): r.Count(Warn), string(Fail): r.Count(Fail)}})
}
