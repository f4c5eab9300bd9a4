package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxErrors is how many errors Load reports at most; the rest are counted.
const MaxErrors = 20

// Error is one problem in a configuration file. It never contains a secret value.
type Error struct {
	File   string // the config file as given to Load
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Path   string // key path such as "zones[0].probe"; empty for file-level problems
	Msg    string
}

// Error renders "file:line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem Load found (up to MaxErrors, in file order), one per line.
type Errors struct {
	List []*Error
	More int // problems found beyond MaxErrors
}

// Error renders one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, 0, len(e.List)+1)
	for _, x := range e.List {
		lines = append(lines, x.Error())
	}
	if e.More > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more errors", e.More))
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives access to each *Error with errors.As.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, x := range e.List {
		out[i] = x
	}
	return out
}

// collector gathers errors while decoding.
type collector struct {
	file string
	errs []*Error
}

func (c *collector) add(line, col int, path, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil or an *Errors sorted by position and capped at MaxErrors.
func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	list := slices.Clone(c.errs)
	slices.SortStableFunc(list, func(a, b *Error) int {
		if x := cmp.Compare(a.Line, b.Line); x != 0 {
			return x
		}
		return cmp.Compare(a.Column, b.Column)
	})
	list = slices.CompactFunc(list, func(a, b *Error) bool { return *a == *b })
	out := &Errors{List: list}
	if len(list) > MaxErrors {
		out.List, out.More = list[:MaxErrors], len(list)-MaxErrors
	}
	return out
}

// reportedAt reports whether an error was already recorded for path.
func (c *collector) reportedAt(path string) bool {
	for _, e := range c.errs {
		if e.Path == path {
			return true
		}
	}
	return false
}
