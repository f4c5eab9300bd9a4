// Package godaddyemu is a loopback emulator of the GoDaddy Domains API v1 calls twinzone uses,
// built from GoDaddy's documentation (https://developer.godaddy.com/doc/endpoint/domains:
// GET /v1/domains/{domain} and PATCH /v1/domains/{domain}; https://developer.godaddy.com/getstarted
// for the sso-key header, the rate limit and the account restriction):
//
//   - "Authorization: sso-key KEY:SECRET"; a wrong key gets 401 UNABLE_TO_AUTHENTICATE;
//   - an account marked Restricted (fewer than 10 domains and no Discount Domain Club plan)
//     gets 403 ACCESS_DENIED on every call, as production does since May 2024;
//   - GET returns the domain with "nameServers"; PATCH with {"nameServers": [...]} replaces
//     them and returns 204; an unknown domain gets 404 NOT_FOUND; errors are
//     {"code", "message", "fields"};
//   - more than PerMinute requests in a minute get 429 TOO_MANY_REQUESTS with retryAfterSec
//     (GoDaddy documents 60 per minute per endpoint; the emulator counts all endpoints).
//
// Differences left: the real domain object has many more fields; PATCH accepts other fields
// (locked, renewAuto, contacts) and validates names at the registry; X-Shopper-Id is accepted
// but not checked against shoppers.
package godaddyemu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is the emulator.
type Server struct {
	URL string
	// Restricted makes every call fail with 403 ACCESS_DENIED (the account restriction).
	Restricted bool
	// PerMinute is the request budget per minute (0: unlimited).
	PerMinute int
	Now       func() time.Time

	mu      sync.Mutex
	auth    string
	domains map[string][]string
	window  time.Time
	count   int
	srv     *httptest.Server
}

// Start serves domains (bare names) for key:secret on loopback.
func Start(key, secret string, domains map[string][]string) *Server {
	s := &Server{auth: "sso-key " + key + ":" + secret, domains: map[string][]string{}, Now: time.Now}
	for d, ns := range domains {
		s.domains[d] = slices.Clone(ns)
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Nameservers returns what the emulator holds for domain.
func (s *Server) Nameservers(domain string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.domains[domain])
}

// SetLimit sets the request budget per minute and the clock it is counted by.
func (s *Server) SetLimit(perMinute int, now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.PerMinute, s.Now = perMinute, now
}

// SetRestricted sets the account restriction.
func (s *Server) SetRestricted(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Restricted = v
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	fail := func(status int, code, msg string) {
		reply(status, map[string]any{"code": code, "message": msg})
	}
	if s.PerMinute > 0 {
		now := s.Now()
		if now.Sub(s.window) >= time.Minute {
			s.window, s.count = now, 0
		}
		s.count++
		if s.count > s.PerMinute {
			reply(429, map[string]any{"code": "TOO_MANY_REQUESTS", "message": "Too many requests received within interval", "retryAfterSec": 30})
			return
		}
	}
	if r.Header.Get("Authorization") != s.auth {
		fail(401, "UNABLE_TO_AUTHENTICATE", "Unable to authenticate your request")
		return
	}
	if s.Restricted {
		fail(403, "ACCESS_DENIED", "Authenticated user is not allowed access")
		return
	}
	d, ok := strings.CutPrefix(r.URL.Path, "/v1/domains/")
	cur, known := s.domains[d]
	switch {
	case !ok || strings.Contains(d, "/"):
		fail(404, "NOT_FOUND", "Resource not found")
	case !known:
		fail(404, "NOT_FOUND", "The given domain is not registered, or does not have a zone file")
	case r.Method == http.MethodGet:
		reply(200, map[string]any{"domain": d, "status": "ACTIVE", "locked": true, "nameServers": cur})
	case r.Method == http.MethodPatch:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			fail(415, "UNSUPPORTED_MEDIA_TYPE", "want application/json")
			return
		}
		var body struct {
			NameServers []string `json:"nameServers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.NameServers) == 0 {
			reply(422, map[string]any{"code": "INVALID_BODY", "message": "Request body doesn't fulfill schema",
				"fields": []map[string]string{{"path": "nameServers", "code": "MISMATCH_FORMAT", "message": "at least one name server"}}})
			return
		}
		for _, n := range body.NameServers {
			if strings.HasSuffix(n, ".") || n == "" {
				reply(422, map[string]any{"code": "INVALID_BODY", "message": "Request body doesn't fulfill schema",
					"fields": []map[string]string{{"path": "nameServers", "code": "MISMATCH_FORMAT", "message": "invalid host name " + n}}})
				return
			}
		}
		s.domains[d] = body.NameServers
		reply(204, nil)
	default:
		fail(405, "METHOD_NOT_ALLOWED", "")
	}
}
