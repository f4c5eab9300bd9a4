package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/provider/retry"
)

// client is the small REST client of this adapter: bearer auth, a client-side rate limiter,
// per-attempt timeouts and retries with exponential backoff that honour Retry-After, drawn
// from the retry budget of the provider call in the request's context (one per request when
// there is none). It is also the HTTPClient given to libdns/cloudflare, so that library's
// requests get the same base URL, limiter and budget.
type client struct {
	base    string // ".../client/v4", no trailing slash
	token   string
	hc      *http.Client
	lim     *rate.Limiter
	retries int           // retry budget of one provider call
	total   time.Duration // time budget of one provider call
	backoff time.Duration // first backoff; doubles per attempt
	maxWait time.Duration // longest single wait (backoff or Retry-After) accepted
	timeout time.Duration // per attempt
	log     *slog.Logger
	sleep   func(ctx context.Context, d time.Duration) error
}

// apiError is a Cloudflare error reply. It never holds request headers (the token).
type apiError struct {
	Method, Path string
	Status       int
	Errors       []cfMessage
}

type cfMessage struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudflare: %s %s: HTTP %d", e.Method, e.Path, e.Status)
	for _, m := range e.Errors {
		fmt.Fprintf(&b, "; %d %s", m.Code, m.Message)
	}
	return b.String()
}

// errAmbiguous marks a write error after an attempt whose outcome is unknown (a dropped
// connection, a timeout or a 5xx): the server may have applied it.
var errAmbiguous = errors.New("an earlier attempt may have been applied")

type ambiguousError struct{ err error }

func (e ambiguousError) Error() string   { return e.err.Error() + " (" + errAmbiguous.Error() + ")" }
func (e ambiguousError) Unwrap() []error { return []error{e.err, errAmbiguous} }

type envelope struct {
	Success    bool            `json:"success"`
	Errors     []cfMessage     `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *resultInfo     `json:"result_info"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do sends one API call and decodes the envelope's result into out (when not nil).
func (c *client) do(ctx context.Context, method, path string, q url.Values, body, out any) (*envelope, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("cloudflare: encoding %s %s: %w", method, path, err)
		}
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.roundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		// Not transient: the retry layer is roundTrip, and the reply arrived whole.
		return nil, fmt.Errorf("cloudflare: %s %s: HTTP %d: decoding reply: %w", method, path, resp.StatusCode, err)
	}
	if resp.StatusCode >= 400 || !env.Success {
		e := &apiError{Method: method, Path: path, Status: resp.StatusCode, Errors: env.Errors}
		if resp.Header.Get("X-Twinzone-Ambiguous") != "" {
			return nil, ambiguousError{e}
		}
		return nil, e
	}
	if out != nil && len(env.Result) > 0 {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return nil, fmt.Errorf("cloudflare: %s %s: decoding result: %w", method, path, err)
		}
	}
	return &env, nil
}

// Do implements libdns/cloudflare's HTTPClient: it moves the request to the configured base
// URL and sends it through the limiter and retries.
func (c *client) Do(req *http.Request) (*http.Response, error) {
	const cfBase = "/client/v4"
	p := req.URL.Path
	if i := strings.Index(p, cfBase); i >= 0 {
		p = p[i+len(cfBase):]
	}
	u, err := url.Parse(c.base + p)
	if err != nil {
		return nil, err
	}
	u.RawQuery = req.URL.RawQuery
	r2 := req.Clone(req.Context())
	r2.URL, r2.Host = u, u.Host
	if r2.Header.Get("Authorization") == "" || strings.HasSuffix(r2.Header.Get("Authorization"), " ") {
		r2.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.roundTrip(r2)
}

// budget returns ctx with the retry budget of the provider call it belongs to, a new one
// when it has none.
func (c *client) budget(ctx context.Context) (context.Context, *retry.Budget) {
	return retry.Ensure(ctx, func() *retry.Budget { return retry.New(c.retries, c.total, nil) })
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// roundTrip sends req with rate limiting and retries from the call's budget. It returns the
// final response when that is not retryable (the caller closes its body), or an error
// marked provider.ErrGaveUp.
func (c *client) roundTrip(req *http.Request) (*http.Response, error) {
	ctx, budget := c.budget(req.Context())
	what := req.Method + " " + req.URL.Path
	if b, err := url.Parse(c.base); err == nil {
		what = req.Method + " " + strings.TrimPrefix(req.URL.Path, b.Path)
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	ambiguous := false
	var lastErr error
	attempt := 0
	for ; ; attempt++ {
		if err := c.lim.Wait(ctx); err != nil {
			return nil, fmt.Errorf("cloudflare: %s: waiting for the rate limiter: %w", what, err)
		}
		resp, retryAfter, err := c.attempt(ctx, req)
		if err == nil && !retryable(resp.StatusCode) {
			if ambiguous && resp.StatusCode >= 400 {
				resp.Header.Set("X-Twinzone-Ambiguous", "1")
			}
			return resp, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("cloudflare: %s: %w", what, ctx.Err())
			}
			lastErr = fmt.Errorf("cloudflare: %s: %w", what, err)
			ambiguous = ambiguous || req.Method != http.MethodGet
		} else {
			var env envelope
			_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&env)
			resp.Body.Close()
			lastErr = &apiError{Method: req.Method, Path: strings.TrimPrefix(what, req.Method+" "), Status: resp.StatusCode, Errors: env.Errors}
			ambiguous = ambiguous || (resp.StatusCode >= 500 && req.Method != http.MethodGet)
		}
		wait := c.backoff << min(attempt, 20)
		wait = wait/2 + rand.N(wait/2+1)
		if retryAfter > 0 {
			wait = retryAfter
		}
		if wait > c.maxWait {
			lastErr = fmt.Errorf("%w (server asks to wait %s, more than the %s allowed)", lastErr, wait, c.maxWait)
			break
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			lastErr = fmt.Errorf("%w (the next attempt would be after the deadline)", lastErr)
			break
		}
		if err := budget.Take(wait); err != nil {
			lastErr = fmt.Errorf("%w (%v)", lastErr, err)
			break
		}
		c.log.DebugContext(ctx, "cloudflare: retrying", "request", what, "attempt", attempt+1, "wait", wait, "error", lastErr)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("cloudflare: %s: %w (last error: %v)", what, err, lastErr)
		}
	}
	if ambiguous {
		lastErr = ambiguousError{lastErr}
	}
	return nil, provider.MarkGaveUp(fmt.Errorf("%w (gave up after %d attempts)", lastErr, attempt+1))
}

// attempt sends req once with the per-attempt timeout; the body is read fully so the
// timeout covers it.
func (c *client) attempt(ctx context.Context, req *http.Request) (*http.Response, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r := req.Clone(actx)
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, 0, err
		}
		r.Body = b
	}
	resp, err := c.hc.Do(r)
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, 0, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var retryAfter time.Duration
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			retryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			retryAfter = max(time.Until(t), 0)
		}
	}
	return resp, retryAfter, nil
}
