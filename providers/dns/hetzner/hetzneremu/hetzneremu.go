// Package hetzneremu is a loopback emulator of the DNS part of the Hetzner Cloud API (/v1,
// "Zone RRSets" and "Zone Actions") as its documentation describes it, for the hetzner
// adapter's tests:
//
//   - Authorization: Bearer <token>; another gets 401 {"error": {"code": "unauthorized"}}.
//   - GET /zones/{name}/rrsets?page=&per_page= (at most 100): {"rrsets": [...], "meta":
//     {"pagination": {..., "next_page"}}}; records are [{"value", "comment"}].
//   - POST /zones/{name}/rrsets {name, type, ttl, records}: 201 {rrset, action}; 409
//     uniqueness_error when it exists. DELETE /zones/{name}/rrsets/{rr_name}/{rr_type}: 201
//     {action}. POST .../actions/set_records {records} and .../actions/change_ttl {ttl}: 201
//     {action}. Each write is one action, "running" until GET /actions/{id} reads it once,
//     then "success". A CNAME beside other data, an unparsable value or a TXT string over
//     255 bytes gets 422 invalid_input; the SOA cannot be changed.
package hetzneremu

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

// Value is one record of an RRset.
type Value struct {
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// RRset is an RRset as the API writes it.
type RRset struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Type    string  `json:"type"`
	TTL     *int    `json:"ttl"`
	Records []Value `json:"records"`
}

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://api.hetzner.cloud/v1

	token string
	hs    *httptest.Server

	mu      sync.Mutex
	zones   map[string]map[string]RRset // zone -> "name/TYPE"
	actions map[int]bool                // id -> read once
	nextID  int
	writes  int
}

// New starts an emulator accepting token.
func New(token string) *Server {
	s := &Server{token: token, zones: map[string]map[string]RRset{}, actions: map[int]bool{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/v1"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// Writes is the number of write requests received.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// AddZone creates a primary zone with Hetzner's SOA and NS.
func (s *Server) AddZone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	ttl := 3600
	s.zones[name] = map[string]RRset{
		"@/SOA": {ID: "@/SOA", Name: "@", Type: "SOA", TTL: &ttl, Records: []Value{{Value: "hydrogen.ns.hetzner.com. dns.hetzner.com. 1 86400 10800 3600000 3600"}}},
		"@/NS":  {ID: "@/NS", Name: "@", Type: "NS", TTL: &ttl, Records: []Value{{Value: "hydrogen.ns.hetzner.com."}, {Value: "oxygen.ns.hetzner.com."}, {Value: "helium.ns.hetzner.de."}}},
	}
}

func fail(w http.ResponseWriter, code int, ecode, format string, args ...any) {
	emukit.JSON(w, code, map[string]any{"error": map[string]any{"code": ecode, "message": fmt.Sprintf(format, args...)}})
}

func (s *Server) action() map[string]any {
	s.nextID++
	s.actions[s.nextID] = false
	return map[string]any{"id": s.nextID, "command": "update_rrset", "status": "running"}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, "unauthorized", "unable to authenticate")
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/v1/"), "/"), "/")
	if len(parts) == 2 && parts[0] == "actions" && r.Method == http.MethodGet {
		id, _ := strconv.Atoi(parts[1])
		read, ok := s.actions[id]
		if !ok {
			fail(w, http.StatusNotFound, "not_found", "action not found")
			return
		}
		status := "running"
		if read {
			status = "success"
		}
		s.actions[id] = true
		emukit.JSON(w, http.StatusOK, map[string]any{"action": map[string]any{"id": id, "status": status}})
		return
	}
	if len(parts) < 3 || parts[0] != "zones" || parts[2] != "rrsets" {
		fail(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	z, ok := s.zones[parts[1]]
	if !ok {
		fail(w, http.StatusNotFound, "not_found", "zone not found")
		return
	}
	if r.Method != http.MethodGet {
		s.writes++
	}
	switch {
	case len(parts) == 3 && r.Method == http.MethodGet:
		s.list(w, r, z)
	case len(parts) == 3 && r.Method == http.MethodPost:
		var in RRset
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(w, http.StatusBadRequest, "json_error", "invalid JSON")
			return
		}
		in.Type = strings.ToUpper(in.Type)
		in.ID = in.Name + "/" + in.Type
		if _, ok := z[in.ID]; ok {
			fail(w, http.StatusConflict, "uniqueness_error", "RRSet %s already exists", in.ID)
			return
		}
		if msg := check(parts[1], z, in); msg != "" {
			fail(w, http.StatusUnprocessableEntity, "invalid_input", "%s", msg)
			return
		}
		z[in.ID] = in
		emukit.JSON(w, http.StatusCreated, map[string]any{"rrset": in, "action": s.action()})
	case len(parts) >= 5:
		id := parts[3] + "/" + strings.ToUpper(parts[4])
		cur, ok := z[id]
		if !ok {
			fail(w, http.StatusNotFound, "not_found", "RRSet %s not found", id)
			return
		}
		if cur.Type == "SOA" {
			fail(w, http.StatusUnprocessableEntity, "invalid_input", "the SOA record cannot be changed")
			return
		}
		switch {
		case len(parts) == 5 && r.Method == http.MethodDelete:
			delete(z, id)
			emukit.JSON(w, http.StatusCreated, map[string]any{"action": s.action()})
		case len(parts) == 7 && parts[6] == "set_records" && r.Method == http.MethodPost:
			var in struct{ Records []Value }
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				fail(w, http.StatusBadRequest, "json_error", "invalid JSON")
				return
			}
			next := cur
			next.Records = in.Records
			if msg := check(parts[1], z, next); msg != "" {
				fail(w, http.StatusUnprocessableEntity, "invalid_input", "%s", msg)
				return
			}
			z[id] = next
			emukit.JSON(w, http.StatusCreated, map[string]any{"action": s.action()})
		case len(parts) == 7 && parts[6] == "change_ttl" && r.Method == http.MethodPost:
			var in struct{ TTL *int }
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				fail(w, http.StatusBadRequest, "json_error", "invalid JSON")
				return
			}
			cur.TTL = in.TTL
			z[id] = cur
			emukit.JSON(w, http.StatusCreated, map[string]any{"action": s.action()})
		default:
			fail(w, http.StatusNotFound, "not_found", "not found")
		}
	default:
		fail(w, http.StatusNotFound, "not_found", "not found")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, z map[string]RRset) {
	keys := make([]string, 0, len(z))
	for k := range z {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page = max(page, 1)
	if per <= 0 || per > 100 {
		per = 25
	}
	from := min((page-1)*per, len(keys))
	to := min(from+per, len(keys))
	out := []RRset{}
	for _, k := range keys[from:to] {
		out = append(out, z[k])
	}
	var next any
	if to < len(keys) {
		next = page + 1
	}
	emukit.JSON(w, http.StatusOK, map[string]any{"rrsets": out, "meta": map[string]any{"pagination": map[string]any{
		"page": page, "per_page": per, "next_page": next, "total_entries": len(keys)}}})
}

// check validates an RRset against the zone.
func check(zone string, z map[string]RRset, rs RRset) string {
	if len(rs.Records) == 0 {
		return "records must not be empty"
	}
	owner := zone + "."
	if rs.Name != "@" {
		owner = rs.Name + "." + owner
	}
	for _, v := range rs.Records {
		rr, err := dns.NewRR(owner + " 300 IN " + rs.Type + " " + v.Value)
		if err != nil || rr == nil {
			return fmt.Sprintf("invalid value %q for %s", v.Value, rs.Type)
		}
		if t, ok := rr.(*dns.TXT); ok {
			for _, str := range t.Txt {
				if len(str) > 255 {
					return "TXT strings must be at most 255 characters"
				}
			}
		}
	}
	for k, o := range z {
		if k != rs.Name+"/"+rs.Type && o.Name == rs.Name && (o.Type == "CNAME" || rs.Type == "CNAME") {
			return "CNAME records cannot coexist with other records"
		}
	}
	return ""
}
