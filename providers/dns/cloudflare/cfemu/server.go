// Package cfemu is a loopback emulator of the Cloudflare API v4 endpoints that DNS tools use:
// zone lookup, DNS record list (with pagination and filters), create, patch, put, delete, and
// the batch endpoint. It validates records the way Cloudflare documents (TTL 1 = automatic or
// 60..86400; structured `data` for SRV, CAA, HTTPS and SVCB; apex NS only for multi-provider
// zones), enforces a request budget (1,200 requests per 5 minutes by default, then 429 with
// Retry-After), and has fault knobs for tests: injected 5xx and 429 replies, latency, dropped
// connections, failure after N requests and a seeded random fault rate. Every knob is safe for
// concurrent use.
//
// It is held to Cloudflare's official Go SDK, github.com/cloudflare/cloudflare-go/v6 v6.10.0
// (types generated from Cloudflare's OpenAPI spec; sdk_test.go drives the emulator with it),
// and to the DNS record types reference on developers.cloudflare.com. It keeps what Cloudflare
// keeps (comment, tags, proxied, meta.read_only and other meta flags; a PATCH leaves the fields
// it does not name, a PUT resets them), stores the structured data of every type the SDK has
// (SSHFP, NAPTR, URI, CERT, SMIMEA, LOC, DNSKEY, OPENPGPKEY besides A ... TLSA), and refuses:
// TTLs other than 1 or MinTTL..86400 (9021), proxied non-A/AAAA/CNAME records (9004), a CNAME
// beside another record (81053), identical records (81058), incomplete or invalid data (9101),
// a record over 4,096 bytes in wire format or a name and type whose records' content totals
// over 8,192 characters (9009), a comment with a newline or a tag that is not name:value
// (the record attributes reference), writes to meta.read_only records (1046), records past
// Options.MaxRecords (81045), and batches over BatchLimit (81062); a batch is one transaction.
//
// Differences that remain, and why:
//   - Error codes not quoted by the references (9009 for size, 9101 for data, 9102 and 9103
//     for comments and tags, 1046, 81045, 81062) and all message texts are modelled, not
//     copied; tests match on the codes.
//   - Data is validated by building the record with miekg/dns, not by Cloudflare's own rules
//     (for example which CAA tags, SVCB keys or LOC ranges it accepts beyond RFC syntax).
//   - Proxied records are answered by nothing: the emulator has no DNS side and no edge.
//   - Content is returned in miekg/dns presentation form (SSHFP fingerprints upper-case, for
//     one); Cloudflare's own spelling of content for data types is not documented.
//   - The record quota is a knob: Cloudflare's per-plan quota is not documented in one place.
//
// Start one with New, point a client at Server.URL (the equivalent of
// https://api.cloudflare.com/client/v4) with "Authorization: Bearer <Options.Token>", and
// inspect the stored records with Records and the request counters with Counts.
package cfemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure an emulator. Zero values take Cloudflare's documented defaults.
type Options struct {
	Token      string        // bearer token clients must send; "" accepts any non-empty token
	BatchLimit int           // operations per batch request; default 200 (Free plan)
	Budget     int           // requests per Window before 429; default 1200; <0 disables
	Window     time.Duration // default 5 minutes
	MinTTL     int           // smallest non-automatic TTL; default 60 (30 on Enterprise)
	// MultiProvider allows apex NS records (Cloudflare's multi-provider DNS setting).
	MultiProvider bool
	// MaxRecords is the zone's record quota (0 = unlimited); creates beyond it fail.
	MaxRecords int
	// NoBatch makes the batch endpoint answer 404, like an API without it.
	NoBatch bool
	// Now is the clock for the request budget; nil means time.Now.
	Now func() time.Time
}

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://api.cloudflare.com/client/v4

	opts Options
	hs   *httptest.Server

	mu      sync.Mutex
	zones   map[string]*zoneData // by ID
	winFrom time.Time
	winUsed int
	counts  Counts
	faults  faults
}

type zoneData struct {
	ID, Name    string
	NameServers []string
	records     *store
}

// New starts an emulator on 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	if opts.BatchLimit == 0 {
		opts.BatchLimit = 200
	}
	if opts.Budget == 0 {
		opts.Budget = 1200
	}
	if opts.Window == 0 {
		opts.Window = 5 * time.Minute
	}
	if opts.MinTTL == 0 {
		opts.MinTTL = 60
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, zones: map[string]*zoneData{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/client/v4"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddZone creates a zone ("example.com", with or without trailing dot) and returns its ID.
func (s *Server) AddZone(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	id := randomID()
	s.zones[id] = &zoneData{ID: id, Name: name, records: newStore(),
		NameServers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"}}
	return id
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// apiError is one entry of a Cloudflare error body.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []apiError  `json:"errors"`
	Messages   []any       `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo *ResultInfo `json:"result_info,omitempty"`
}

// ResultInfo is the pagination block of list replies.
type ResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, envelope{Errors: []apiError{{code, msg}}, Messages: []any{}})
}

func writeOK(w http.ResponseWriter, result any, info *ResultInfo) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Errors: []apiError{}, Messages: []any{}, Result: result, ResultInfo: info})
}

// kind classifies a request for the counters.
func kind(r *http.Request) string {
	switch {
	case strings.HasSuffix(r.URL.Path, "/dns_records/batch"):
		return "batch"
	case r.Method == http.MethodGet:
		return "read"
	}
	return "write"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	k := kind(r)
	s.count(k)
	answered, dropAfter := s.applyFaultsBefore(w, r)
	if answered {
		return
	}
	if !s.authorized(r) {
		writeErr(w, http.StatusForbidden, 9109, "Invalid access token")
		return
	}
	if wait, ok := s.spendBudget(); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		writeErr(w, http.StatusTooManyRequests, 971, "Please wait and consider throttling your request speed")
		return
	}
	if dropAfter {
		// Process the request, then lose the reply: the client cannot know it was applied.
		s.route(discard{}, r)
		hijackClose(w)
		return
	}
	s.route(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	return s.opts.Token == "" || tok == s.opts.Token
}

// spendBudget counts one request against the fixed window; when the budget is spent it
// returns the seconds left in the window.
func (s *Server) spendBudget() (int, bool) {
	if s.opts.Budget < 0 {
		return 0, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if s.winFrom.IsZero() || now.Sub(s.winFrom) >= s.opts.Window {
		s.winFrom, s.winUsed = now, 0
	}
	s.winUsed++
	if s.winUsed > s.opts.Budget {
		left := s.opts.Window - now.Sub(s.winFrom)
		return int((left + time.Second - 1) / time.Second), false
	}
	return 0, true
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.Path, "/client/v4/")
	if !ok {
		writeErr(w, http.StatusNotFound, 7000, "No route for that URI")
		return
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "zones" && r.Method == http.MethodGet:
		s.listZones(w, r)
	case len(parts) == 2 && parts[0] == "zones" && r.Method == http.MethodGet:
		s.getZone(w, parts[1])
	case len(parts) == 3 && parts[0] == "zones" && parts[2] == "dns_records":
		switch r.Method {
		case http.MethodGet:
			s.listRecords(w, r, parts[1])
		case http.MethodPost:
			s.createRecord(w, r, parts[1])
		default:
			writeErr(w, http.StatusMethodNotAllowed, 10000, "Method not allowed")
		}
	case len(parts) == 4 && parts[0] == "zones" && parts[2] == "dns_records" && parts[3] == "batch":
		if s.opts.NoBatch || r.Method != http.MethodPost {
			writeErr(w, http.StatusNotFound, 7000, "No route for that URI")
			return
		}
		s.batch(w, r, parts[1])
	case len(parts) == 4 && parts[0] == "zones" && parts[2] == "dns_records":
		s.recordByID(w, r, parts[1], parts[3])
	default:
		writeErr(w, http.StatusNotFound, 7000, "No route for that URI")
	}
}

type zoneJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	Type        string   `json:"type"`
	NameServers []string `json:"name_servers"`
}

func (z *zoneData) json() zoneJSON {
	return zoneJSON{ID: z.ID, Name: z.Name, Status: "active", Type: "full", NameServers: z.NameServers}
}

func (s *Server) listZones(w http.ResponseWriter, r *http.Request) {
	name := strings.ToLower(strings.TrimSuffix(r.URL.Query().Get("name"), "."))
	s.mu.Lock()
	out := []zoneJSON{}
	for _, z := range s.zones {
		if name == "" || z.Name == name {
			out = append(out, z.json())
		}
	}
	s.mu.Unlock()
	writeOK(w, out, &ResultInfo{Page: 1, PerPage: 20, Count: len(out), TotalCount: len(out), TotalPages: 1})
}

func (s *Server) getZone(w http.ResponseWriter, id string) {
	s.mu.Lock()
	z, ok := s.zones[id]
	var out zoneJSON
	if ok {
		out = z.json()
	}
	s.mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, 1001, "Invalid zone identifier")
		return
	}
	writeOK(w, out, nil)
}

// discard is a ResponseWriter that throws the reply away.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
