// Package desecemu is a loopback emulator of the deSEC DNS API (/api/v1) as its documentation
// describes it (desec.readthedocs.io: "Domain Management", "Retrieving and Creating DNS
// Records", "Rate Limits"), for the desec adapter's tests:
//
//   - Authorization: Token <token>; another token gets 401.
//   - GET /domains/{name}/: the domain, 404 when it does not exist.
//   - GET /domains/{name}/rrsets/: every RRset, unless there are more than 500, then 400
//     "Pagination required" with a Link rel="first"; with ?cursor=, pages of 500 RRsets and
//     Link rel="next" while there are more.
//   - PUT /domains/{name}/rrsets/ (bulk): a list of {subname, type, ttl, records}; an empty
//     records list deletes the RRset. Validated as a whole and applied atomically: any bad
//     RRset (TTL outside minimum..86400, a record that does not parse, an unsupported type, a
//     CNAME beside other data in the result) gets 400 and nothing is written.
//   - Record contents are stored in canonical presentation (as deSEC normalises them).
package desecemu

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

// PageSize is deSEC's page size and the size above which pagination is required.
const PageSize = 500

// RRset is an RRset as the API writes it.
type RRset struct {
	Subname string   `json:"subname"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl,omitempty"`
	Records []string `json:"records"`
}

type key struct{ subname, typ string }

// Server is a running emulator.
type Server struct {
	URL string // base URL, like https://desec.io/api/v1

	token  string
	minTTL int
	hs     *httptest.Server

	mu      sync.Mutex
	domains map[string]map[key]RRset // by domain name without the final dot
	puts    int
}

// New starts an emulator accepting token; minTTL is the domains' minimum TTL (deSEC: 3600).
func New(token string, minTTL int) *Server {
	s := &Server{token: token, minTTL: minTTL, domains: map[string]map[key]RRset{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/api/v1"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddDomain creates a domain with deSEC's apex NS.
func (s *Server) AddDomain(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	s.domains[name] = map[key]RRset{{"", "NS"}: {Subname: "", Type: "NS", TTL: 3600, Records: []string{"ns1.desec.io.", "ns2.desec.org."}}}
}

// Puts is the number of bulk PUT requests received.
func (s *Server) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

func detail(w http.ResponseWriter, code int, format string, args ...any) {
	emukit.JSON(w, code, map[string]string{"detail": fmt.Sprintf(format, args...)})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Token "+s.token {
		detail(w, http.StatusUnauthorized, "Invalid token.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/domains/")
	if !ok {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.domains[parts[0]]
	if !ok {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		emukit.JSON(w, http.StatusOK, map[string]any{"name": parts[0], "minimum_ttl": s.minTTL})
	case len(parts) == 2 && parts[1] == "rrsets" && r.Method == http.MethodGet:
		s.list(w, r, d)
	case len(parts) == 2 && parts[1] == "rrsets" && r.Method == http.MethodPut:
		s.put(w, r, parts[0], d)
	default:
		detail(w, http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, d map[key]RRset) {
	keys := make([]key, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return strings.Compare(a.subname+"\x00"+a.typ, b.subname+"\x00"+b.typ)
	})
	cursor, paged := r.URL.Query()["cursor"]
	if !paged {
		if len(keys) > PageSize {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?cursor=>; rel="first"`, s.hs.URL, r.URL.Path))
			detail(w, http.StatusBadRequest, "Pagination required. You can query up to %d items at a time (%d total). Please use the `first` page link (see Link header).", PageSize, len(keys))
			return
		}
		s.write(w, d, keys)
		return
	}
	start := 0
	if cursor[0] != "" {
		n, err := strconv.Atoi(cursor[0])
		if err != nil || n < 0 || n > len(keys) {
			detail(w, http.StatusBadRequest, "Invalid cursor.")
			return
		}
		start = n
	}
	end := min(start+PageSize, len(keys))
	if end < len(keys) {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?cursor=%d>; rel="next"`, s.hs.URL, r.URL.Path, end))
	}
	s.write(w, d, keys[start:end])
}

func (s *Server) write(w http.ResponseWriter, d map[key]RRset, keys []key) {
	out := make([]RRset, 0, len(keys))
	for _, k := range keys {
		out = append(out, d[k])
	}
	emukit.JSON(w, http.StatusOK, out)
}

// supported is the subset of deSEC's record types the tests use (deSEC refuses others, such
// as SOA and types it does not list).
var supported = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "DS": true, "HTTPS": true,
	"MX": true, "NS": true, "PTR": true, "SRV": true, "SSHFP": true, "SVCB": true, "TLSA": true, "TXT": true}

func (s *Server) put(w http.ResponseWriter, r *http.Request, domain string, d map[key]RRset) {
	s.puts++
	var in []RRset
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		detail(w, http.StatusBadRequest, "JSON parse error - %v", err)
		return
	}
	next := make(map[key]RRset, len(d))
	for k, v := range d {
		next[k] = v
	}
	for i, rs := range in {
		k := key{strings.ToLower(rs.Subname), strings.ToUpper(rs.Type)}
		if len(rs.Records) == 0 {
			delete(next, k)
			continue
		}
		if !supported[k.typ] {
			emukit.JSON(w, http.StatusBadRequest, indexed(i, "type", "The %s RR set type is currently unsupported.", k.typ))
			return
		}
		if rs.TTL < s.minTTL || rs.TTL > 86400 {
			emukit.JSON(w, http.StatusBadRequest, indexed(i, "ttl", "Ensure this value is between %d and 86400.", s.minTTL))
			return
		}
		owner := domain + "."
		if k.subname != "" {
			owner = k.subname + "." + owner
		}
		var recs []string
		for _, v := range rs.Records {
			rr, err := dns.NewRR(owner + " " + strconv.Itoa(rs.TTL) + " IN " + k.typ + " " + v)
			if err != nil || rr == nil {
				emukit.JSON(w, http.StatusBadRequest, indexed(i, "records", "Record content malformed: %q", v))
				return
			}
			recs = append(recs, strings.TrimPrefix(rr.String(), rr.Header().String()))
		}
		slices.Sort(recs)
		next[k] = RRset{Subname: k.subname, Type: k.typ, TTL: rs.TTL, Records: slices.Compact(recs)}
	}
	for k := range next {
		if k.typ != "CNAME" {
			continue
		}
		for o := range next {
			if o.subname == k.subname && o.typ != "CNAME" {
				detail(w, http.StatusBadRequest, "RRset with conflicting type present: %s (CNAME beside %s at %q)", o.typ, o.typ, k.subname)
				return
			}
		}
	}
	clear(d)
	for k, v := range next {
		d[k] = v
	}
	emukit.JSON(w, http.StatusOK, in)
}

// indexed is deSEC's bulk error body: one object per input RRset, the bad one with its error.
func indexed(at int, field, format string, args ...any) []map[string][]string {
	out := make([]map[string][]string, at+1)
	for i := range out {
		out[i] = map[string][]string{}
	}
	out[at][field] = []string{fmt.Sprintf(format, args...)}
	return out
}
