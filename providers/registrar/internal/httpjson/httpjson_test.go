package httpjson

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// TestRedirects: a redirect to another host is refused before anything reaches that host; a
// request with a body (credentials, for Porkbun) is never sent twice, even to the same host; a
// GET redirected within the same host is followed.
func TestRedirects(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer elsewhere.Close()
	var bodies atomic.Int32
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			bodies.Add(1)
		}
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/x", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		case "/final":
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer home.Close()
	ctx := context.Background()
	secret := map[string]string{"secretapikey": "sk-123"}
	hdr := http.Header{"Authorization": {"Bearer tok-456"}}

	for _, m := range []string{http.MethodGet, http.MethodPost} {
		var in any
		if m == http.MethodPost {
			in = secret
		}
		err := Do(ctx, nil, m, home.URL, "/away", hdr, in, nil, nil)
		if err == nil || !registrar.IsPermanent(err) || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "another host") {
			t.Errorf("%s redirected to another host: err = %v", m, err)
		}
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	bodies.Store(0)
	err := Do(ctx, nil, http.MethodPost, home.URL, "/here", hdr, secret, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "never sent twice") {
		t.Errorf("POST redirected within the host: err = %v", err)
	}
	if n := bodies.Load(); n != 1 {
		t.Errorf("body sent %d times, want 1", n)
	}
	var out struct{ OK bool }
	if err := Do(ctx, nil, http.MethodGet, home.URL, "/here", hdr, nil, &out, nil); err != nil || !out.OK {
		t.Errorf("GET redirected within the host: %v, %+v", err, out)
	}
	// A caller's client with its own redirect policy is not trusted either.
	lax := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	if err := Do(ctx, lax, http.MethodGet, home.URL, "/away", hdr, nil, nil, nil); err == nil || other.Load() != 0 {
		t.Errorf("caller's client followed a redirect to another host: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for status, want := range map[int]string{401: "permanent", 403: "permanent", 404: "permanent", 422: "permanent",
		400: "permanent", 409: "", 408: "", 429: "transient", 500: "transient", 503: "transient"} {
		err := Classify(&StatusError{Method: "GET", Path: "/", Status: status})
		got := ""
		if registrar.IsPermanent(err) {
			got = "permanent"
		}
		if errors.Is(err, provider.ErrTransient) {
			got += "transient"
		}
		if got != want {
			t.Errorf("HTTP %d: %q, want %q", status, got, want)
		}
	}
}
