// Package namecomemu is a loopback emulator of the two Name.com v4 calls twinzone uses, built
// from Name.com's API documentation (https://www.name.com/api-docs, "API Overview" and
// https://www.name.com/api-docs/Domains: GetDomain, SetNameservers; and
// https://docs.name.com/docs/api-reference/domains/set-nameservers):
//
//   - HTTP Basic authentication with username and API token; a wrong pair gets 401;
//   - GET /v4/domains/{domainName} returns the domain with "nameservers";
//   - POST /v4/domains/{domainName}:setNameservers takes {"nameservers": [...]} and returns
//     the domain; a POST without Content-Type: application/json gets 403, as documented;
//   - every non-200 reply is an ErrorMessage {"message", "details"}; an unknown domain 404.
//
// Differences left: the real API returns many more domain fields (contacts, dates, prices),
// checks the names at the registry (registered hosts for in-bailiwick names, 2-13 names per
// TLD policy) and rate-limits; the emulator accepts any non-empty list of host names without a
// trailing dot, and fails the next FailNext requests with FailWith when asked.
package namecomemu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
)

// Server is the emulator.
type Server struct {
	URL string

	mu       sync.Mutex
	user     string
	token    string
	domains  map[string][]string
	failNext int
	failWith int
	srv      *httptest.Server
}

// Start serves domains (bare names, "example.com") for user:token on loopback.
func Start(user, token string, domains map[string][]string) *Server {
	s := &Server{user: user, token: token, domains: map[string][]string{}}
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

// Fail makes the next n requests fail with status.
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failWith = n, status
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg, details string) {
		reply(status, map[string]string{"message": msg, "details": details})
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.token {
		fail(401, "Unauthenticated", "Authentication Error")
		return
	}
	if s.failNext > 0 {
		s.failNext--
		if s.failWith == 429 {
			w.Header().Set("Retry-After", "2")
		}
		fail(s.failWith, "Too Many Requests", "")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v4/domains/")
	if !ok {
		fail(404, "Not Found", "")
		return
	}
	d, setNS := strings.CutSuffix(rest, ":setNameservers")
	cur, known := s.domains[d]
	switch {
	case r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		fail(403, "Permission Denied", "Content-Type must be application/json")
	case !known:
		fail(404, "Not Found", "Domain not found")
	case r.Method == http.MethodGet && !setNS:
		reply(200, map[string]any{"domainName": d, "nameservers": cur, "locked": true})
	case r.Method == http.MethodPost && setNS:
		var body struct {
			Nameservers []string `json:"nameservers"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || len(body.Nameservers) == 0 {
			fail(400, "Invalid Argument", "nameservers are required")
			return
		}
		for _, n := range body.Nameservers {
			if n == "" || strings.HasSuffix(n, ".") || strings.ContainsAny(n, " /") {
				fail(400, "Invalid Argument", "invalid nameserver "+n)
				return
			}
		}
		s.domains[d] = body.Nameservers
		reply(200, map[string]any{"domainName": d, "nameservers": body.Nameservers, "locked": true})
	default:
		fail(405, "Method Not Allowed", "")
	}
}
