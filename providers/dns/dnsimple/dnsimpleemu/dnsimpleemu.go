// Package dnsimpleemu is a loopback emulator of DNSimple's zone records API (v2) as its
// documentation describes it (developer.dnsimple.com/v2/zones/records), for the dnsimple
// adapter's tests:
//
//   - Authorization: Bearer <token>; another gets 401 {"message": ...}.
//   - GET /{account}/zones/{zone}/records?page=&per_page= (per_page at most 100, default 30;
//     name= and type= filter by exact name and type):
//     {"data": [...], "pagination": {current_page, per_page, total_entries, total_pages}}.
//   - POST /{account}/zones/{zone}/records {name, type, content, ttl, priority}: 201; PATCH
//     /records/{id}: 200; DELETE /records/{id}: 204. One record per request.
//   - The apex SOA and NS are system records (system_record: true), which cannot be changed
//     (400). MX and SRV carry their priority in "priority", not in "content". A CNAME beside
//     other data, a TTL under 60 or content that does not parse is refused (400).
package dnsimpleemu

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

// Record is a zone record as the API writes it.
type Record struct {
	ID       int64  `json:"id"`
	ZoneID   string `json:"zone_id"`
	Name     string `json:"name"`
	Content  string `json:"content"`
	TTL      int    `json:"ttl"`
	Priority *int   `json:"priority"`
	Type     string `json:"type"`
	System   bool   `json:"system_record"`
}

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://api.dnsimple.com/v2

	token, account string
	hs             *httptest.Server

	mu       sync.Mutex
	zones    map[string][]Record
	nextID   int64
	requests int
}

// New starts an emulator for one account accepting token.
func New(token, account string) *Server {
	s := &Server{token: token, account: account, zones: map[string][]Record{}, nextID: 1}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/v2"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddZone creates a zone with DNSimple's system SOA and NS records.
func (s *Server) AddZone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	recs := []Record{{Name: "", Type: "SOA", TTL: 3600, Content: "ns1.dnsimple.com admin.dnsimple.com 1 86400 7200 604800 300", System: true}}
	for _, ns := range []string{"ns1.dnsimple.com", "ns2.dnsimple-edge.net", "ns3.dnsimple.com", "ns4.dnsimple-edge.org"} {
		recs = append(recs, Record{Name: "", Type: "NS", TTL: 3600, Content: ns, System: true})
	}
	for i := range recs {
		recs[i].ID, recs[i].ZoneID = s.nextID, name
		s.nextID++
	}
	s.zones[name] = recs
}

// Set stores a record as given (no validation), e.g. a DNSimple ALIAS.
func (s *Server) Set(zone, name, typ, content string, ttl int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	zone = strings.TrimSuffix(zone, ".")
	s.zones[zone] = append(s.zones[zone], Record{ID: s.nextID, ZoneID: zone, Name: name, Type: typ, Content: content, TTL: ttl})
	s.nextID++
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	emukit.JSON(w, code, map[string]string{"message": fmt.Sprintf(format, args...)})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, "Authentication failed")
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v2/"), "/"), "/")
	if len(parts) < 4 || parts[0] != s.account || parts[1] != "zones" || parts[3] != "records" {
		fail(w, http.StatusNotFound, "Not found")
		return
	}
	zname := parts[2]
	recs, ok := s.zones[zname]
	if !ok {
		fail(w, http.StatusNotFound, "Zone `%s` not found", zname)
		return
	}
	switch {
	case len(parts) == 4 && r.Method == http.MethodGet:
		s.list(w, r, recs)
	case len(parts) == 4 && r.Method == http.MethodPost:
		var in Record
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(w, http.StatusBadRequest, "Invalid JSON")
			return
		}
		in.ID, in.ZoneID, in.System = s.nextID, zname, false
		if msg := s.check(zname, recs, in, 0); msg != "" {
			fail(w, http.StatusBadRequest, "Validation failed: %s", msg)
			return
		}
		s.nextID++
		s.zones[zname] = append(recs, in)
		emukit.JSON(w, http.StatusCreated, map[string]any{"data": in})
	case len(parts) == 5:
		id, _ := strconv.ParseInt(parts[4], 10, 64)
		i := slices.IndexFunc(recs, func(rec Record) bool { return rec.ID == id })
		if i < 0 {
			fail(w, http.StatusNotFound, "Record `%s` not found", parts[4])
			return
		}
		if recs[i].System {
			fail(w, http.StatusBadRequest, "System records cannot be modified")
			return
		}
		switch r.Method {
		case http.MethodDelete:
			s.zones[zname] = slices.Delete(recs, i, i+1)
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPatch:
			upd := recs[i]
			if err := json.NewDecoder(r.Body).Decode(&upd); err != nil {
				fail(w, http.StatusBadRequest, "Invalid JSON")
				return
			}
			upd.ID, upd.Type = recs[i].ID, recs[i].Type
			if msg := s.check(zname, recs, upd, upd.ID); msg != "" {
				fail(w, http.StatusBadRequest, "Validation failed: %s", msg)
				return
			}
			recs[i] = upd
			emukit.JSON(w, http.StatusOK, map[string]any{"data": upd})
		default:
			fail(w, http.StatusMethodNotAllowed, "Method not allowed")
		}
	default:
		fail(w, http.StatusMethodNotAllowed, "Method not allowed")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, recs []Record) {
	q := r.URL.Query()
	if q.Has("name") || q.Has("type") {
		var sel []Record
		for _, rec := range recs {
			if (!q.Has("name") || rec.Name == q.Get("name")) && (!q.Has("type") || rec.Type == q.Get("type")) {
				sel = append(sel, rec)
			}
		}
		recs = sel
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page = max(page, 1)
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	pages := max((len(recs)+per-1)/per, 1)
	from := min((page-1)*per, len(recs))
	to := min(from+per, len(recs))
	emukit.JSON(w, http.StatusOK, map[string]any{"data": recs[from:to], "pagination": map[string]int{
		"current_page": page, "per_page": per, "total_entries": len(recs), "total_pages": pages}})
}

// check validates rec against the zone (skipping the record with id self).
func (s *Server) check(zname string, recs []Record, rec Record, self int64) string {
	if rec.TTL < 60 {
		return "ttl must be at least 60"
	}
	owner := zname + "."
	if rec.Name != "" {
		owner = rec.Name + "." + owner
	}
	content := rec.Content
	switch rec.Type {
	case "MX", "SRV":
		if rec.Priority == nil {
			return "priority is required for " + rec.Type
		}
		content = strconv.Itoa(*rec.Priority) + " " + content
	}
	if rr, err := dns.NewRR(owner + " 300 IN " + rec.Type + " " + content); err != nil || rr == nil {
		return fmt.Sprintf("content %q is not a valid %s", rec.Content, rec.Type)
	}
	for _, o := range recs {
		if o.ID == self || o.Name != rec.Name {
			continue
		}
		if (o.Type == "CNAME") != (rec.Type == "CNAME") {
			return "a CNAME record cannot coexist with other records with the same name"
		}
	}
	return ""
}
