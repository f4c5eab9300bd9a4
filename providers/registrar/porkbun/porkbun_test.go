package porkbun

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

const (
	apiKey = "pk1_public"
	secret = "sk1_very_secret"
)

// emulator is a loopback Porkbun getNs/updateNs API.
type emulator struct {
	mu       sync.Mutex
	domains  map[string][]string
	noAPI    map[string]bool // domains without API access
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
	fail := func(status int, msg string) { reply(status, map[string]string{"status": "ERROR", "message": msg}) }
	if r.Method != http.MethodPost {
		fail(405, "POST only")
		return
	}
	if e.failNext > 0 {
		e.failNext--
		fail(e.failWith, "rate limit")
		return
	}
	var body struct {
		APIKey       string    `json:"apikey"`
		SecretAPIKey string    `json:"secretapikey"`
		NS           *[]string `json:"ns"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(400, "Invalid JSON")
		return
	}
	if body.APIKey != apiKey || body.SecretAPIKey != secret {
		fail(403, "Invalid API key. (002)")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/json/v3/domain/")
	op, d, _ := strings.Cut(rest, "/")
	cur, known := e.domains[d]
	switch {
	case !ok || !known:
		fail(400, "Invalid domain.")
	case e.noAPI[d]:
		fail(400, "Domain is not opted in to API access.")
	case op == "getNs":
		reply(200, map[string]any{"status": "SUCCESS", "ns": cur})
	case op == "updateNs":
		if body.NS == nil || len(*body.NS) == 0 {
			fail(400, "Nameservers are required.")
			return
		}
		e.domains[d] = *body.NS
		reply(200, map[string]string{"status": "SUCCESS"})
	default:
		fail(404, "unknown endpoint")
	}
}

func TestPorkbun(t *testing.T) {
	ctx := context.Background()
	e := &emulator{domains: map[string][]string{"example.com": {"curitiba.ns.porkbun.com", "fortaleza.ns.porkbun.com"}, "locked.com": {"x.y"}},
		noAPI: map[string]bool{"locked.com": true}}
	srv := httptest.NewServer(e)
	defer srv.Close()
	r, err := New(Config{APIKey: apiKey, SecretAPIKey: secret, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Nameservers(ctx, "example.com.")
	if err != nil || !slices.Equal(got, []string{"curitiba.ns.porkbun.com.", "fortaleza.ns.porkbun.com."}) {
		t.Fatalf("Nameservers = %v, %v", got, err)
	}
	set := nameserver.Set{{Name: "a.ns.b.net."}, {Name: "c.ns.d.org."}}
	if _, err := r.SetNameservers(ctx, "example.com.", set); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.domains["example.com"], []string{"a.ns.b.net", "c.ns.d.org"}) {
		t.Errorf("emulator holds %v", e.domains["example.com"])
	}
	if _, err := r.SetNameservers(ctx, "locked.com.", set); err == nil || !strings.Contains(err.Error(), "not opted in") {
		t.Errorf("no API access: %v", err)
	}
	e.failNext, e.failWith = 1, 429
	if _, err := r.SetNameservers(ctx, "example.com.", set); !errors.Is(err, provider.ErrTransient) {
		t.Errorf("429 not transient: %v", err)
	}
	bad, _ := New(Config{APIKey: apiKey, SecretAPIKey: "sk1_wrong_secret", Endpoint: srv.URL})
	if _, err := bad.Nameservers(ctx, "example.com."); err == nil || strings.Contains(err.Error(), "sk1_wrong") || !strings.Contains(err.Error(), "Invalid API key") {
		t.Errorf("bad key: %v", err)
	}
}
