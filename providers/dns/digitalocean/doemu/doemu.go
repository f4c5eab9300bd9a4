// Package doemu is a loopback emulator of DigitalOcean's domain records API (/v2) as its
// documentation describes it (docs.digitalocean.com/reference/api, "Domain Records"), for
// the digitalocean adapter's tests:
//
//   - Authorization: Bearer <token>; another gets 401 {"id": "unauthorized", "message": ...}.
//   - GET /v2/domains/{domain}/records?page=&per_page= (at most 200, default 20; name= (fully
//     qualified) and type= filter):
//     {"domain_records": [...], "links": {"pages": {"next": url}}, "meta": {"total": n}}.
//   - POST /v2/domains/{domain}/records: 201 {"domain_record": ...}; PUT
//     /records/{id}: 200; DELETE /records/{id}: 204. One record per request.
//   - Types: A, AAAA, CAA, CNAME, MX, NS, SRV, TXT (SOA is read-only). MX and SRV carry
//     priority (and SRV weight and port) in their own fields, CAA its flags and tag; "data"
//     is the rest ("@" is the apex). A TTL under 30, a CNAME beside other data or data that
//     does not parse is refused (422).
package doemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/providers/dns/internal/emukit"
)

// Record is a domain record as the API writes it.
type Record struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Data     string `json:"data"`
	Priority *int   `json:"priority"`
	Port     *int   `json:"port"`
	TTL      int    `json:"ttl"`
	Weight   *int   `json:"weight"`
	Flags    *int   `json:"flags"`
	Tag      string `json:"tag"`
}

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://api.digitalocean.com

	token string
	hs    *httptest.Server

	mu       sync.Mutex
	domains  map[string][]Record
	nextID   int64
	requests int
}

// New starts an emulator accepting token.
func New(token string) *Server {
	s := &Server{token: token, domains: map[string][]Record{}, nextID: 1}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddDomain creates a domain with DigitalOcean's SOA and NS records.
func (s *Server) AddDomain(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	recs := []Record{{Type: "SOA", Name: "@", Data: "1800", TTL: 1800}}
	for _, ns := range []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"} {
		recs = append(recs, Record{Type: "NS", Name: "@", Data: ns, TTL: 1800})
	}
	for i := range recs {
		recs[i].ID = s.nextID
		s.nextID++
	}
	s.domains[name] = recs
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func fail(w http.ResponseWriter, code int, id, format string, args ...any) {
	emukit.JSON(w, code, map[string]string{"id": id, "message": fmt.Sprintf(format, args...)})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, "unauthorized", "Unable to authenticate you")
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v2/domains/"), "/"), "/")
	recs, ok := s.domains[parts[0]]
	if !ok || len(parts) < 2 || parts[1] != "records" {
		fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		s.list(w, r, parts[0], recs)
	case len(parts) == 2 && r.Method == http.MethodPost:
		var in Record
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(w, http.StatusBadRequest, "bad_request", "invalid JSON")
			return
		}
		in.ID = s.nextID
		if msg := check(parts[0], recs, in); msg != "" {
			fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "%s", msg)
			return
		}
		s.nextID++
		s.domains[parts[0]] = append(recs, in)
		emukit.JSON(w, http.StatusCreated, map[string]any{"domain_record": in})
	case len(parts) == 3:
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		i := slices.IndexFunc(recs, func(rec Record) bool { return rec.ID == id })
		if i < 0 {
			fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
			return
		}
		if recs[i].Type == "SOA" && r.Method != http.MethodGet {
			fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "SOA records cannot be changed")
			return
		}
		switch r.Method {
		case http.MethodDelete:
			s.domains[parts[0]] = slices.Delete(recs, i, i+1)
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPut:
			var in Record
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				fail(w, http.StatusBadRequest, "bad_request", "invalid JSON")
				return
			}
			in.ID = id
			if msg := check(parts[0], recs, in); msg != "" {
				fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", "%s", msg)
				return
			}
			recs[i] = in
			emukit.JSON(w, http.StatusOK, map[string]any{"domain_record": in})
		default:
			fail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
		}
	default:
		fail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, domain string, recs []Record) {
	q := r.URL.Query()
	if q.Has("name") || q.Has("type") {
		var sel []Record
		for _, rec := range recs {
			fqdn := domain
			if rec.Name != "@" {
				fqdn = rec.Name + "." + domain
			}
			if (!q.Has("name") || fqdn == q.Get("name")) && (!q.Has("type") || rec.Type == q.Get("type")) {
				sel = append(sel, rec)
			}
		}
		recs = sel
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page = max(page, 1)
	if per <= 0 {
		per = 20
	}
	per = min(per, 200)
	from := min((page-1)*per, len(recs))
	to := min(from+per, len(recs))
	links := map[string]any{}
	if to < len(recs) {
		links["pages"] = map[string]string{"next": fmt.Sprintf("%s/v2/domains/%s/records?page=%d&per_page=%d", s.URL, domain, page+1, per)}
	}
	emukit.JSON(w, http.StatusOK, map[string]any{"domain_records": recs[from:to], "links": links, "meta": map[string]int{"total": len(recs)}})
}

var types = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "MX": true, "NS": true, "SRV": true, "TXT": true}

// check validates rec against the domain's other records.
func check(domain string, recs []Record, rec Record) string {
	if !types[rec.Type] {
		return fmt.Sprintf("type %q is not supported", rec.Type)
	}
	if rec.TTL < 30 {
		return "ttl must be at least 30"
	}
	owner := domain + "."
	if rec.Name != "@" && rec.Name != "" {
		owner = rec.Name + "." + owner
	}
	data := rec.Data
	iv := func(p *int) string {
		if p == nil {
			return "0"
		}
		return strconv.Itoa(*p)
	}
	switch rec.Type {
	case "MX":
		data = iv(rec.Priority) + " " + data
	case "SRV":
		data = iv(rec.Priority) + " " + iv(rec.Weight) + " " + iv(rec.Port) + " " + data
	case "CAA":
		data = iv(rec.Flags) + " " + rec.Tag + " " + strconv.Quote(data)
	case "TXT":
		data = strconv.Quote(data)
	}
	if rr, err := dns.NewRR(owner + " 300 IN " + rec.Type + " " + data); err != nil || rr == nil {
		return fmt.Sprintf("data %q is not valid for a %s record", rec.Data, rec.Type)
	}
	for _, o := range recs {
		if o.ID == rec.ID || o.Name != rec.Name {
			continue
		}
		if (o.Type == "CNAME") != (rec.Type == "CNAME") {
			return "CNAME records cannot share a name with other records"
		}
	}
	return ""
}
