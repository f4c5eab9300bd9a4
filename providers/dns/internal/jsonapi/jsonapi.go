// Package jsonapi is the HTTP JSON client of the API-based adapters without an SDK (powerdns,
// desec and the hosted providers): one request, its error as the API wrote it, and the retries of one provider call
// within a retry.Budget (5xx, 429 and network errors; Retry-After honoured). A spent budget
// is provider.ErrGaveUp, which no caller retries again.
package jsonapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/retry"
)

// Client sends requests below Base.
type Client struct {
	Base string // e.g. "http://127.0.0.1:8081/api/v1/servers/localhost"
	// Auth sets the credentials on a request (the only place that sees them); an error (no
	// token could be had) ends the call.
	Auth        func(*http.Request) error
	HTTP        *http.Client
	Timeout     time.Duration // per request
	Retries     int           // per provider call (Budget)
	RetryBudget time.Duration // per provider call
	RetryWait   time.Duration // first wait, doubled up to MaxWait
	MaxWait     time.Duration
	Log         *slog.Logger
}

// Error is a non-2xx reply.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Msg)
}

// Budget attaches the retry budget of one provider call to ctx (the outermost call makes it).
func (c *Client) Budget(ctx context.Context) context.Context {
	ctx, _ = retry.Ensure(ctx, func() *retry.Budget { return retry.New(c.Retries, c.RetryBudget, nil) })
	return ctx
}

// Reply is a successful reply: its headers and body.
type Reply struct {
	Header http.Header
	Body   []byte
}

// Do sends one request (body, when not nil, as JSON) and decodes a JSON reply into out (when
// not nil), retrying within ctx's budget (none without one: the error is then marked
// provider.ErrTransient). errMsg extracts the API's message from an error body.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, out any, errMsg func([]byte) string) (*Reply, error) {
	return c.DoAccept(ctx, method, path, "application/json", body, out, errMsg)
}

// DoAccept is Do asking for the media type accept; out is decoded as JSON only when set (the
// body is in the Reply).
func (c *Client) DoAccept(ctx context.Context, method, path, accept string, body []byte, out any, errMsg func([]byte) string) (*Reply, error) {
	b := retry.From(ctx)
	for attempt := 0; ; attempt++ {
		rep, wait, err, again := c.once(ctx, method, path, accept, body, out, errMsg)
		if !again {
			return rep, err
		}
		if wait <= 0 {
			wait = c.RetryWait << min(attempt, 8)
		}
		wait = min(wait, c.MaxWait)
		if b == nil {
			return nil, provider.MarkTransient(err)
		}
		if berr := b.Take(wait); berr != nil {
			return nil, provider.MarkGaveUp(fmt.Errorf("%w; %v", err, berr))
		}
		c.Log.Debug("retrying", "method", method, "path", path, "err", err, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (while waiting to retry: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// once sends one request; again reports an error worth retrying, after wait when > 0.
func (c *Client) once(parent context.Context, method, path, accept string, body []byte, out any, errMsg func([]byte) string) (_ *Reply, wait time.Duration, _ error, again bool) {
	ctx, cancel := context.WithTimeout(parent, c.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	target := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		target = c.Base + path
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, 0, err, false
	}
	if err := c.Auth(req); err != nil {
		return nil, 0, err, false
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if perr := parent.Err(); perr != nil { // the caller gave up: not worth a retry
			return nil, 0, fmt.Errorf("%s %s: %w", method, shortPath(path), perr), false
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the message already
		}
		return nil, 0, fmt.Errorf("%s %s: %w", method, shortPath(path), err), true
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: reading the reply: %w", method, shortPath(path), err), parent.Err() == nil
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode, Msg: errMsg(data)}
		if e.Msg == "" {
			e.Msg = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		retryable := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		return nil, wait, fmt.Errorf("%s %s: %w", method, shortPath(path), e), retryable
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, 0, fmt.Errorf("%s %s: decoding the reply: %w", method, shortPath(path), err), false
		}
	}
	return &Reply{Header: resp.Header, Body: data}, 0, nil, false
}

// shortPath drops the scheme and host of an absolute URL (a pagination link) in messages.
func shortPath(p string) string {
	if u, err := url.Parse(p); err == nil && u.Host != "" {
		return u.RequestURI()
	}
	return p
}

// Hosted returns a client of a hosted DNS API below base with the retry policy the hosted
// providers share: at most 6 attempts within 5 minutes per provider call, waits from 500 ms
// doubling up to a minute, a minute per request. A nil hc is a default client; a nil log
// discards (the client's Log is then that logger, for the provider to share).
func Hosted(base string, auth func(*http.Request) error, hc *http.Client, log *slog.Logger) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{
		Base: base, Auth: auth,
		HTTP: hc, Timeout: time.Minute, Retries: 6, RetryBudget: 5 * time.Minute,
		RetryWait: 500 * time.Millisecond, MaxWait: time.Minute, Log: log,
	}
}

// Header is an Auth that sets "Authorization: scheme token" (scheme "Bearer", "Token", …).
func Header(scheme, token string) func(*http.Request) error {
	return func(r *http.Request) error { r.Header.Set("Authorization", scheme+" "+token); return nil }
}
