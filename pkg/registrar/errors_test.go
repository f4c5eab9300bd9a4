package registrar

import (
	"errors"
	"fmt"
	"testing"
)

func TestPermanent(t *testing.T) {
	base := errors.New("HTTP 401")
	err := fmt.Errorf("gandi: %w", MarkPermanent(base))
	if !IsPermanent(err) || !errors.Is(err, ErrPermanent) || !errors.Is(err, base) {
		t.Errorf("wrapped permanent error lost its marks: %v", err)
	}
	if err.Error() != "gandi: HTTP 401" {
		t.Errorf("message changed: %q", err)
	}
	if IsPermanent(base) || IsPermanent(nil) || MarkPermanent(nil) != nil {
		t.Errorf("unmarked or nil error reported permanent")
	}
	if !IsPermanent(fmt.Errorf("x: %w", ErrManual)) {
		t.Errorf("ErrManual is not permanent")
	}
}
