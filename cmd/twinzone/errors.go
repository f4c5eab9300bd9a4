package main

import (
	"fmt"
	"strings"
)

// multiError prints one error per line, which reads better than errors.Join's output when the
// errors are file:line diagnostics.
type multiError []error

func (m multiError) Error() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

func (m multiError) Unwrap() []error { return m }

// count is "1 RRset", "2 RRsets": n and the noun in the right number.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return multiError(errs)
}
