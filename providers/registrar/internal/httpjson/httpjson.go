// Package httpjson is the small JSON-over-HTTP client shared by the HTTP registrar adapters:
// one request, a bounded body read, errors that name the method and path (never headers or
// credentials), 429 and 5xx marked transient (provider.ErrTransient), refused credentials and
// invalid requests marked permanent (registrar.ErrPermanent), no redirect to another host and
// no body sent twice.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/httpsafe"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// maxBody bounds a reply body read.
const maxBody = 1 << 20

// StatusError is a reply with a non-2xx status.
type StatusError struct {
	Method, Path string
	Status       int
	Message      string        // the API's error message, if it sent one (truncated)
	RetryAfter   time.Duration // from Retry-After, when sent
}

// RetryAfterHint returns the Retry-After the API sent (0 when none); pkg/failover's Runner
// waits at least this long before its next attempt.
func (e *StatusError) RetryAfterHint() time.Duration { return e.RetryAfter }

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Do sends in (JSON, unless nil) to base+path with the given headers and decodes a 2xx reply
// into out (unless nil). messageOf extracts an error message from a non-2xx reply body.
func Do(ctx context.Context, client *http.Client, method, base, path string, header http.Header, in, out any,
	messageOf func([]byte) string) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = b
		header = header.Clone()
		if header == nil {
			header = http.Header{}
		}
		header.Set("Content-Type", "application/json")
	}
	raw, err := Send(ctx, client, method, base, path, header, body, messageOf)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", method, path, err)
	}
	return nil
}

// Send sends body (nil: none) to base+path and returns a 2xx reply's body (bounded). It sets
// Accept: application/json unless header sets Accept. Errors: 429 and 5xx and network
// failures are provider.ErrTransient; 401, 403 and the other 4xx but 408 and 409 are
// registrar.ErrPermanent; a refused redirect is permanent too.
//
// Redirects: client's own CheckRedirect is replaced by one that follows a redirect only to the
// same scheme and host and only for a request without a body, so that credentials (headers,
// or Porkbun's keys in the body) never go to another host and a body is never sent twice.
func Send(ctx context.Context, client *http.Client, method, base, path string, header http.Header, body []byte,
	messageOf func([]byte) string) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.CheckRedirect = httpsafe.CheckRedirect(false)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is ours; keep the message short
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		if errors.Is(err, httpsafe.ErrRedirect) {
			return nil, registrar.MarkPermanent(fmt.Errorf("%s %s: %w", method, path, err))
		}
		return nil, provider.MarkTransient(fmt.Errorf("%s %s: %w", method, path, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, provider.MarkTransient(fmt.Errorf("%s %s: read reply: %w", method, path, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: method, Path: path, Status: resp.StatusCode}
		if messageOf != nil {
			se.Message = truncate(messageOf(raw), 300)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			se.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, Classify(se)
	}
	return raw, nil
}

// Classify marks a status error transient (429, 5xx), permanent (other 4xx but 408 and 409,
// which a later attempt may pass; 3xx, a redirect not followed) or leaves it unmarked.
func Classify(se *StatusError) error {
	switch s := se.Status; {
	case s == http.StatusTooManyRequests || s >= 500:
		return provider.MarkTransient(se)
	case s == http.StatusRequestTimeout || s == http.StatusConflict:
		return se
	default:
		return registrar.MarkPermanent(se)
	}
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Absolute returns names absolute, lower-case, sorted and unique (the Registrar contract).
func Absolute(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		out = append(out, dns.Fqdn(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Bare returns names without the trailing dot, as registrar APIs take them.
func Bare(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(strings.ToLower(n), ".")
	}
	return out
}

// Domain returns domain without the trailing dot, for URL paths, path-escaped.
func Domain(domain string) string {
	return url.PathEscape(strings.TrimSuffix(strings.ToLower(domain), "."))
}
