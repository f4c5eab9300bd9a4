package gandi

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
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/provider"
)

const token = "pat-secret-123"

// emulator is a loopback Gandi v5 nameservers API.
type emulator struct {
	mu       sync.Mutex
	domains  map[string][]string
	failNext int // reply failStatus to the next failNext requests
	failWith int
	requests []string
}

func (e *emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = append(e.requests, r.Method+" "+r.URL.Path)
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		reply(401, map[string]any{"code": 401, "message": "The server could not verify that you authorized to access the document you requested.", "object": "HTTPUnauthorized", "cause": "Unauthorized"})
		return
	}
	if e.failNext > 0 {
		e.failNext--
		if e.failWith == 429 {
			w.Header().Set("Retry-After", "7")
		}
		reply(e.failWith, map[string]any{"code": e.failWith, "message": "slow down", "object": "HTTPError", "cause": "x"})
		return
	}
	d, ok := strings.CutPrefix(r.URL.Path, "/v5/domain/domains/")
	d, ok2 := strings.CutSuffix(d, "/nameservers")
	if !ok || !ok2 {
		reply(404, map[string]any{"code": 404, "message": "not found"})
		return
	}
	cur, known := e.domains[d]
	if !known {
		reply(404, map[string]any{"code": 404, "message": "The requested resource was not found", "object": "HTTPNotFound", "cause": "Not Found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(200, cur)
	case http.MethodPut:
		if r.Header.Get("Content-Type") != "application/json" {
			reply(400, map[string]any{"code": 400, "message": "want JSON"})
			return
		}
		var body struct {
			Nameservers []string `json:"nameservers"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || len(body.Nameservers) == 0 {
			reply(400, map[string]any{"code": 400, "message": "Bad Request", "errors": []map[string]string{{"location": "body", "name": "nameservers", "description": "required"}}})
			return
		}
		for _, n := range body.Nameservers {
			if strings.HasSuffix(n, ".") {
				reply(400, map[string]any{"code": 400, "message": "Bad Request", "errors": []map[string]string{{"name": "nameservers", "description": "invalid hostname " + n}}})
				return
			}
		}
		e.domains[d] = body.Nameservers
		reply(202, map[string]string{"message": "Nameservers updated"})
	default:
		reply(405, map[string]any{"code": 405, "message": "Method Not Allowed"})
	}
}

func setup(t *testing.T) (*emulator, *Registrar) {
	e := &emulator{domains: map[string][]string{"example.com": {"ns1.old.net", "NS2.old.net"}}}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	r, err := New(Config{Token: token, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return e, r
}

func TestGandi(t *testing.T) {
	ctx := context.Background()
	e, r := setup(t)
	got, err := r.Nameservers(ctx, "example.com.")
	if err != nil || !slices.Equal(got, []string{"ns1.old.net.", "ns2.old.net."}) {
		t.Fatalf("Nameservers = %v, %v", got, err)
	}
	set := nameserver.Set{{Name: "b.ns.new.org."}, {Name: "a.ns.new.org."}}
	if _, err := r.SetNameservers(ctx, "example.com.", set); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.domains["example.com"], []string{"b.ns.new.org", "a.ns.new.org"}) {
		t.Errorf("emulator holds %v", e.domains["example.com"])
	}
	got, _ = r.Nameservers(ctx, "example.com.")
	if !slices.Equal(got, []string{"a.ns.new.org.", "b.ns.new.org."}) {
		t.Errorf("read back %v", got)
	}
	if _, err := r.SetNameservers(ctx, "example.com.", nil); err == nil {
		t.Errorf("empty set accepted")
	}
}

func TestGandiErrors(t *testing.T) {
	ctx := context.Background()
	e, r := setup(t)
	set := nameserver.Set{{Name: "a.ns.new.org."}}

	e.failNext, e.failWith = 1, 429
	_, err := r.SetNameservers(ctx, "example.com.", set)
	if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "HTTP 429") || !strings.Contains(err.Error(), "retry after 7s") {
		t.Errorf("429: %v", err)
	}
	var hint interface{ RetryAfterHint() time.Duration }
	if !errors.As(err, &hint) || hint.RetryAfterHint() != 7*time.Second {
		t.Errorf("429 carries no Retry-After hint: %v", err)
	}
	e.failNext, e.failWith = 1, 503
	if _, err := r.Nameservers(ctx, "example.com."); !errors.Is(err, provider.ErrTransient) {
		t.Errorf("503 not transient: %v", err)
	}
	_, err = r.SetNameservers(ctx, "missing.com.", set)
	if err == nil || errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("404: %v", err)
	}
	bad, _ := New(Config{Token: "wrong-secret-456", Endpoint: r.cfg.Endpoint})
	_, err = bad.Nameservers(ctx, "example.com.")
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), "wrong-secret-456") {
		t.Errorf("401: %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Errorf("no token accepted")
	}
}
