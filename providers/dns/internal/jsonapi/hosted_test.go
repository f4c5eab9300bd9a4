package jsonapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHosted checks the shared constructor: defaults filled in, the Header auth sent.
func TestHosted(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := Hosted(srv.URL, Header("Token", "s3cret"), nil, nil)
	if c.HTTP == nil || c.Log == nil || c.Retries != 6 || c.RetryBudget == 0 {
		t.Fatalf("defaults not set: %+v", c)
	}
	if _, err := c.Do(c.Budget(context.Background()), http.MethodGet, "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got != "Token s3cret" {
		t.Fatalf("Authorization = %q, want %q", got, "Token s3cret")
	}
}
