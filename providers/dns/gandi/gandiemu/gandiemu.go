// Package gandiemu is a loopback emulator of Gandi's LiveDNS API (v5, /v5/livedns) as its
// documentation describes it (api.gandi.net/docs/livedns), for the gandi adapter's tests:
//
//   - Authorization: Bearer <personal access token>; another gets 401, {code, message, cause,
//     object}.
//   - GET /domains/{fqdn}/records: every RRset as {rrset_name, rrset_type, rrset_ttl,
//     rrset_values, rrset_href}, or, with Accept: text/plain, the zone as a zone file.
//   - PUT /domains/{fqdn}/records/{name}/{type} {rrset_ttl, rrset_values}: replaces that one
//     RRset (201); DELETE of the same path removes it (204, 404 when absent). A TTL outside
//     300..2592000, a value that does not parse or a CNAME beside other data is refused (400)
//     and nothing is written. "@" is the apex.
package gandiemu

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

// RRset is an RRset as the API writes it.
type RRset struct {
	Name   string   `json:"rrset_name"`
	Type   string   `json:"rrset_type"`
	TTL    int      `json:"rrset_ttl"`
	Values []string `json:"rrset_values"`
	Href   string   `json:"rrset_href,omitempty"`
}

type key struct{ name, typ string }

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://api.gandi.net/v5/livedns

	token string
	hs    *httptest.Server

	mu       sync.Mutex
	domains  map[string]map[key]RRset
	requests int
}

// New starts an emulator accepting token.
func New(token string) *Server {
	s := &Server{token: token, domains: map[string]map[key]RRset{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/v5/livedns"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddDomain creates a domain with Gandi's SOA and apex NS.
func (s *Server) AddDomain(fqdn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fqdn = strings.TrimSuffix(strings.ToLower(fqdn), ".")
	s.domains[fqdn] = map[key]RRset{
		{"@", "SOA"}: {Name: "@", Type: "SOA", TTL: 10800, Values: []string{"ns1.gandi.net. hostmaster.gandi.net. 1 10800 3600 604800 10800"}},
		{"@", "NS"}:  {Name: "@", Type: "NS", TTL: 10800, Values: []string{"ns-1-a.gandi.net.", "ns-2-b.gandi.net.", "ns-3-c.gandi.net."}},
	}
}

// Set stores an RRset as given (no validation), e.g. a Gandi-only ALIAS.
func (s *Server) Set(fqdn, name, typ string, ttl int, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.domains[strings.TrimSuffix(fqdn, ".")][key{name, typ}] = RRset{Name: name, Type: typ, TTL: ttl, Values: values}
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func fail(w http.ResponseWriter, code int, cause, format string, args ...any) {
	emukit.JSON(w, code, map[string]any{"code": code, "cause": cause, "object": "HTTP" + http.StatusText(code), "message": fmt.Sprintf(format, args...)})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		fail(w, http.StatusUnauthorized, "Unauthorized", "The server could not verify that you authorized to access the document you requested.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v5/livedns/domains/")
	if !ok {
		fail(w, http.StatusNotFound, "Not Found", "not found")
		return
	}
	parts := strings.Split(rest, "/")
	d, ok := s.domains[parts[0]]
	if !ok || len(parts) < 2 || parts[1] != "records" {
		fail(w, http.StatusNotFound, "Not Found", "The domain name does not exist")
		return
	}
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		s.list(w, r, parts[0], d)
	case len(parts) == 4 && r.Method == http.MethodPut:
		s.put(w, r, parts[0], d, key{strings.ToLower(parts[2]), strings.ToUpper(parts[3])})
	case len(parts) == 4 && r.Method == http.MethodDelete:
		k := key{strings.ToLower(parts[2]), strings.ToUpper(parts[3])}
		if _, ok := d[k]; !ok {
			fail(w, http.StatusNotFound, "Not Found", "The resource could not be found.")
			return
		}
		delete(d, k)
		w.WriteHeader(http.StatusNoContent)
	default:
		fail(w, http.StatusMethodNotAllowed, "Method Not Allowed", "method not allowed")
	}
}

func (s *Server) sorted(d map[key]RRset) []RRset {
	out := make([]RRset, 0, len(d))
	for _, v := range d {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b RRset) int { return strings.Compare(a.Name+"\x00"+a.Type, b.Name+"\x00"+b.Type) })
	return out
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, fqdn string, d map[key]RRset) {
	sets := s.sorted(d)
	if r.Header.Get("Accept") == "text/plain" {
		var b strings.Builder
		for _, rs := range sets {
			for _, v := range rs.Values {
				fmt.Fprintf(&b, "%s %d IN %s %s\n", rs.Name, rs.TTL, rs.Type, v)
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(b.String()))
		return
	}
	for i := range sets {
		sets[i].Href = fmt.Sprintf("%s/domains/%s/records/%s/%s", s.URL, fqdn, sets[i].Name, sets[i].Type)
	}
	emukit.JSON(w, http.StatusOK, sets)
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, fqdn string, d map[key]RRset, k key) {
	var in struct {
		TTL    int      `json:"rrset_ttl"`
		Values []string `json:"rrset_values"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "Bad Request", "invalid JSON: %v", err)
		return
	}
	if in.TTL == 0 {
		in.TTL = 10800
	}
	if in.TTL < 300 || in.TTL > 2592000 {
		fail(w, http.StatusBadRequest, "Bad Request", "rrset_ttl: must be between 300 and 2592000")
		return
	}
	if len(in.Values) == 0 {
		fail(w, http.StatusBadRequest, "Bad Request", "rrset_values: must not be empty")
		return
	}
	owner := fqdn + "."
	if k.name != "@" {
		owner = k.name + "." + owner
	}
	var vals []string
	for _, v := range in.Values {
		rr, err := dns.NewRR(owner + " " + strconv.Itoa(in.TTL) + " IN " + k.typ + " " + v)
		if err != nil || rr == nil {
			fail(w, http.StatusBadRequest, "Bad Request", "rrset_values: %q is not a valid %s value", v, k.typ)
			return
		}
		vals = append(vals, strings.TrimPrefix(rr.String(), rr.Header().String()))
	}
	for o := range d {
		if o.name == k.name && o.typ != k.typ && (o.typ == "CNAME" || k.typ == "CNAME") {
			fail(w, http.StatusConflict, "Conflict", "a CNAME record cannot coexist with other records at %s", k.name)
			return
		}
	}
	slices.Sort(vals)
	d[k] = RRset{Name: k.name, Type: k.typ, TTL: in.TTL, Values: slices.Compact(vals)}
	emukit.JSON(w, http.StatusCreated, map[string]string{"message": "DNS Record Created"})
}
