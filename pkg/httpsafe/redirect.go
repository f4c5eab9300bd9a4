// Package httpsafe holds the one redirect rule of every HTTP client twinzone points at a URL
// from the config (registrar APIs, the webhook): their requests carry credentials (headers,
// a token in the URL, keys in the body) or say things about the zone, and none of that may
// reach a host the user did not name.
package httpsafe

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrRedirect is wrapped by the error of a redirect that was not followed.
var ErrRedirect = errors.New("redirect not followed")

// MaxRedirects is how many redirects a client follows at most.
const MaxRedirects = 3

// CheckRedirect returns an http.Client CheckRedirect that follows a redirect only to the same
// scheme and host, at most MaxRedirects times, and, unless resendBody, only for a request
// without a body (a body holding credentials, as Porkbun's does, is never sent twice).
func CheckRedirect(resendBody bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		switch {
		case len(via) > MaxRedirects:
			return fmt.Errorf("%w: more than %d redirects", ErrRedirect, MaxRedirects)
		case req.URL.Scheme != first.URL.Scheme || !strings.EqualFold(req.URL.Host, first.URL.Host):
			// Host only: the URL's path and query may hold a token.
			return fmt.Errorf("%w: to another host (%s://%s)", ErrRedirect, req.URL.Scheme, req.URL.Host)
		case !resendBody && (first.GetBody != nil || (first.ContentLength != 0 && first.Body != nil && first.Body != http.NoBody)):
			return fmt.Errorf("%w: the request carried a body, which is never sent twice", ErrRedirect)
		}
		return nil
	}
}
