package dnsimple

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
)

const token = "dnsimple-secret-token"

// emulator is a loopback DNSimple registrar delegation API for account 1010.
type emulator struct {
	mu       sync.Mutex
	domains  map[string][]string
	failNext int
	failWith int
}

func (e *emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		reply(401, map[string]string{"message": "Authentication failed"})
		return
	}
	if e.failNext > 0 {
		e.failNext--
		if e.failWith == 429 {
			w.Header().Set("Retry-After", "3")
		}
		reply(e.failWith, map[string]string{"message": "Rate limit exceeded"})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/1010/registrar/domains/")
	d, ok2 := strings.CutSuffix(rest, "/delegation")
	if !ok || !ok2 {
		reply(404, map[string]string{"message": "Not found"})
		return
	}
	cur, known := e.domains[d]
	if !known {
		reply(404, map[string]string{"message": "Domain `" + d + "` not found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(200, map[string]any{"data": cur})
	case http.MethodPut:
		var names []string
		if err := json.NewDecoder(r.Body).Decode(&names); err != nil || len(names) < 2 {
			reply(400, map[string]any{"message": "Validation failed", "errors": map[string][]string{"name_servers": {"at least 2 name servers are required"}}})
			return
		}
		e.domains[d] = names
		reply(200, map[string]any{"data": names})
	default:
		reply(405, map[string]string{"message": "method not allowed"})
	}
}

func TestDNSimple(t *testing.T) {
	ctx := context.Background()
	e := &emulator{domains: map[string][]string{"example.com": {"ns1.dnsimple.com", "ns2.dnsimple.com"}}}
	srv := httptest.NewServer(e)
	defer srv.Close()
	r, err := New(Config{Token: token, Account: "1010", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Nameservers(ctx, "Example.com.")
	if err != nil || !slices.Equal(got, []string{"ns1.dnsimple.com.", "ns2.dnsimple.com."}) {
		t.Fatalf("Nameservers = %v, %v", got, err)
	}
	set := nameserver.Set{{Name: "a.ns.other.net."}, {Name: "b.ns.other.net."}}
	if _, err := r.SetNameservers(ctx, "example.com.", set); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.domains["example.com"], []string{"a.ns.other.net", "b.ns.other.net"}) {
		t.Errorf("emulator holds %v", e.domains["example.com"])
	}

	_, err = r.SetNameservers(ctx, "example.com.", set[:1])
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("validation error: %v", err)
	}
	e.failNext, e.failWith = 1, 429
	_, err = r.SetNameservers(ctx, "example.com.", set)
	if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "retry after 3s") {
		t.Errorf("429: %v", err)
	}
	if _, err := r.Nameservers(ctx, "nope.com."); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("404: %v", err)
	}
	bad, _ := New(Config{Token: "other-secret", Account: "1010", Endpoint: srv.URL})
	if _, err := bad.Nameservers(ctx, "example.com."); err == nil || strings.Contains(err.Error(), "other-secret") || !strings.Contains(err.Error(), "401") {
		t.Errorf("401: %v", err)
	}
}
