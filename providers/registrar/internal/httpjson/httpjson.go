// Package httpjson is the small JSON-over-HTTP client shared by the HTTP registrar adapters:
// one request, a bounded body read, errors that name the method and path (never headers or
// credentials), 429 and 5xx marked transient (provider.ErrTransient).
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

	"github.com/twinzone/twinzone/pkg/provider"
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
	if client == nil {
		client = http.DefaultClient
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is ours; keep the message short
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		return provider.MarkTransient(fmt.Errorf("%s %s: %w", method, path, err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return provider.MarkTransient(fmt.Errorf("%s %s: read reply: %w", method, path, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: method, Path: path, Status: resp.StatusCode}
		if messageOf != nil {
			se.Message = truncate(messageOf(raw), 300)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			se.RetryAfter = time.Duration(s) * time.Second
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return provider.MarkTransient(se)
		}
		return se
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", method, path, err)
	}
	return nil
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
