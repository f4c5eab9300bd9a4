package jsonapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/provider"
)

func client(url string) *Client {
	return &Client{Base: url, Auth: func(r *http.Request) error { r.Header.Set("X-Key", "k"); return nil },
		HTTP: &http.Client{}, Timeout: 5 * time.Second, Retries: 2, RetryBudget: time.Minute,
		RetryWait: time.Millisecond, MaxWait: 2 * time.Second, Log: slog.New(slog.DiscardHandler)}
}

// A 429 with Retry-After is waited for and retried within the call's budget; the JSON reply
// after it is decoded.
func TestRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{"v": 7}`))
	}))
	defer srv.Close()
	c := client(srv.URL)
	var out struct{ V int }
	start := time.Now()
	if _, err := c.Do(c.Budget(context.Background()), http.MethodGet, "/x", nil, &out, func([]byte) string { return "" }); err != nil || out.V != 7 {
		t.Fatalf("v=%d err=%v", out.V, err)
	}
	if calls.Load() != 2 || time.Since(start) < time.Second {
		t.Errorf("%d calls in %v: Retry-After not honoured", calls.Load(), time.Since(start))
	}
}

// Without a budget in ctx nothing is retried here: the error is transient for the caller.
// With one, a spent budget is ErrGaveUp (not transient). A 4xx is neither.
func TestBudget(t *testing.T) {
	var calls atomic.Int32
	code := http.StatusBadGateway
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"message": "nope"}`))
	}))
	defer srv.Close()
	c := client(srv.URL)
	msg := func(b []byte) string { return strings.TrimSpace(string(b)) }
	_, err := c.Do(context.Background(), http.MethodGet, "/x", nil, nil, msg)
	if !errors.Is(err, provider.ErrTransient) || calls.Load() != 1 {
		t.Errorf("no budget: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	_, err = c.Do(c.Budget(context.Background()), http.MethodGet, "/x", nil, nil, msg)
	if !errors.Is(err, provider.ErrGaveUp) || errors.Is(err, provider.ErrTransient) || calls.Load() != 3 || !strings.Contains(err.Error(), "nope") {
		t.Errorf("budget of 2: %v after %d calls", err, calls.Load())
	}
	code = http.StatusForbidden
	calls.Store(0)
	_, err = c.Do(c.Budget(context.Background()), http.MethodGet, "/x", nil, nil, msg)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 403 || errors.Is(err, provider.ErrTransient) || calls.Load() != 1 {
		t.Errorf("403: %v after %d calls", err, calls.Load())
	}
}
