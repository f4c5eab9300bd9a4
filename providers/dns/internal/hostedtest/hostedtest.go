// Package hostedtest holds the checks the hosted providers' tests make alike.
package hostedtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/twinzone/twinzone/pkg/provider"
)

// WrongToken checks the error of a call made with a token the API refuses: there is one,
// it is permanent (neither provider.ErrTransient nor provider.ErrGaveUp: no retry can help),
// it does not carry secret (the token or a part of it), and it says want (the API's status
// or word for it).
func WrongToken(t testing.TB, err error, secret, want string) {
	t.Helper()
	if err == nil || errors.Is(err, provider.ErrTransient) || errors.Is(err, provider.ErrGaveUp) ||
		strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), want) {
		t.Errorf("wrong token: %v", err)
	}
}
