// Package gcdnsemu is a loopback emulator of Google Cloud DNS (API v1) and of Google's OAuth
// token endpoint for service accounts, as their documentation describes them
// (cloud.google.com/dns/docs/reference/rest/v1: managedZones.list, resourceRecordSets.list,
// changes.create, changes.get; developers.google.com/identity/protocols/oauth2/service-account),
// for the googleclouddns adapter's tests:
//
//   - POST /token (grant_type jwt-bearer): the assertion's RS256 signature is checked against
//     the service account's public key, and its iss, aud and scope; an access token valid for
//     an hour is returned. The API wants that token as Bearer; others get 401.
//   - GET .../managedZones?dnsName=; GET .../managedZones/{z}/rrsets?maxResults=&pageToken=.
//   - POST .../changes {additions, deletions}: applied as a whole or not at all. A deletion
//     must match an existing RRset exactly (name, type, ttl and rrdatas as stored) or the
//     Change gets 412 conditionNotMet; an addition of an RRset that exists (after the
//     deletions) gets 409 alreadyExists; rrdata that does not parse, or a CNAME beside other
//     data, gets 400. A new Change is "pending" until read once with changes.get.
package gcdnsemu

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
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

// RRset is a ResourceRecordSet.
type RRset struct {
	Kind    string   `json:"kind,omitempty"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	TTL     int      `json:"ttl"`
	Rrdatas []string `json:"rrdatas"`
}

type zoneData struct {
	dnsName string
	sets    map[string]RRset // by name + " " + type
}

// Server is a running emulator.
type Server struct {
	URL      string // API base, like https://dns.googleapis.com/dns/v1
	TokenURI string // the token endpoint to put in the key file

	email, project string
	pub            *rsa.PublicKey
	hs             *httptest.Server

	mu       sync.Mutex
	tokens   map[string]bool
	zones    map[string]*zoneData // by managed zone name
	pending  map[string]bool      // change IDs not read yet
	nextID   int
	changes  int
	tokenReq int
}

// New starts an emulator for one project and one service account (email, public key).
func New(project, email string, pub *rsa.PublicKey) *Server {
	s := &Server{email: email, project: project, pub: pub, tokens: map[string]bool{}, zones: map[string]*zoneData{}, pending: map[string]bool{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL + "/dns/v1"
	s.TokenURI = s.hs.URL + "/token"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// AddZone creates a managed zone with Cloud DNS's SOA and NS.
func (s *Server) AddZone(name, dnsName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dnsName = strings.ToLower(dns.Fqdn(dnsName))
	z := &zoneData{dnsName: dnsName, sets: map[string]RRset{}}
	z.sets[dnsName+" SOA"] = RRset{Name: dnsName, Type: "SOA", TTL: 21600, Rrdatas: []string{"ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}}
	z.sets[dnsName+" NS"] = RRset{Name: dnsName, Type: "NS", TTL: 21600, Rrdatas: []string{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com."}}
	s.zones[name] = z
}

// Counts returns the Changes and token requests received.
func (s *Server) Counts() (changes, tokens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changes, s.tokenReq
}

func fail(w http.ResponseWriter, code int, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	emukit.JSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg,
		"errors": []map[string]string{{"domain": "global", "reason": reason, "message": msg}}}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/token" {
		s.token(w, r)
		return
	}
	auth, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.tokens[auth] {
		fail(w, http.StatusUnauthorized, "required", "Request had invalid authentication credentials.")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/dns/v1/projects/"+s.project+"/managedZones")
	if !ok {
		fail(w, http.StatusForbidden, "forbidden", "The caller does not have permission")
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if parts[0] == "" && r.Method == http.MethodGet {
		var out []map[string]string
		for name, z := range s.zones {
			if q := r.URL.Query().Get("dnsName"); q == "" || strings.EqualFold(q, z.dnsName) {
				out = append(out, map[string]string{"name": name, "dnsName": z.dnsName})
			}
		}
		emukit.JSON(w, http.StatusOK, map[string]any{"managedZones": out})
		return
	}
	z, ok := s.zones[parts[0]]
	if !ok {
		fail(w, http.StatusNotFound, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", parts[0])
		return
	}
	switch {
	case len(parts) == 2 && parts[1] == "rrsets" && r.Method == http.MethodGet:
		s.list(w, r, z)
	case len(parts) == 2 && parts[1] == "changes" && r.Method == http.MethodPost:
		s.change(w, r, z)
	case len(parts) == 3 && parts[1] == "changes" && r.Method == http.MethodGet:
		delete(s.pending, parts[2])
		emukit.JSON(w, http.StatusOK, map[string]string{"id": parts[2], "status": "done"})
	default:
		fail(w, http.StatusNotFound, "notFound", "not found")
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenReq++
	if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		emukit.JSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
		return
	}
	parts := strings.Split(r.Form.Get("assertion"), ".")
	if len(parts) != 3 {
		emukit.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT"})
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, sum[:], sig) != nil {
		emukit.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
		return
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct{ Iss, Aud, Scope string }
	if json.Unmarshal(raw, &c) != nil || c.Iss != s.email || c.Aud != s.TokenURI || !strings.Contains(c.Scope, "clouddns") {
		emukit.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT claims."})
		return
	}
	s.nextID++
	tok := "ya29.emu-" + strconv.Itoa(s.nextID)
	s.tokens[tok] = true
	emukit.JSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, z *zoneData) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range z.sets {
			if !yield(k) {
				return
			}
		}
	})
	max, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
	if max <= 0 || max > 1000 {
		max = 1000
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("pageToken"))
	from = min(from, len(keys))
	to := min(from+max, len(keys))
	out := map[string]any{"rrsets": []RRset{}}
	var sets []RRset
	for _, k := range keys[from:to] {
		rs := z.sets[k]
		rs.Kind = "dns#resourceRecordSet"
		sets = append(sets, rs)
	}
	if sets != nil {
		out["rrsets"] = sets
	}
	if to < len(keys) {
		out["nextPageToken"] = strconv.Itoa(to)
	}
	emukit.JSON(w, http.StatusOK, out)
}

func (s *Server) change(w http.ResponseWriter, r *http.Request, z *zoneData) {
	s.changes++
	var in struct{ Additions, Deletions []RRset }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "invalid", "Invalid JSON payload received.")
		return
	}
	next := make(map[string]RRset, len(z.sets))
	for k, v := range z.sets {
		next[k] = v
	}
	for i, d := range in.Deletions {
		k := strings.ToLower(dns.Fqdn(d.Name)) + " " + d.Type
		cur, ok := next[k]
		if !ok || cur.TTL != d.TTL || !slices.Equal(sorted(cur.Rrdatas), sorted(d.Rrdatas)) {
			fail(w, http.StatusPreconditionFailed, "conditionNotMet", "Precondition not met for 'entity.change.deletions[%d]'", i)
			return
		}
		delete(next, k)
	}
	for i, a := range in.Additions {
		name := strings.ToLower(dns.Fqdn(a.Name))
		k := name + " " + a.Type
		if _, ok := next[k]; ok {
			fail(w, http.StatusConflict, "alreadyExists", "The resource 'entity.change.additions[%d]' named '%s (%s)' already exists", i, name, a.Type)
			return
		}
		for _, v := range a.Rrdatas {
			if rr, err := dns.NewRR(name + " " + strconv.Itoa(a.TTL) + " IN " + a.Type + " " + v); err != nil || rr == nil {
				fail(w, http.StatusBadRequest, "invalid", "Invalid value for 'entity.change.additions[%d].rrdata': '%s'", i, v)
				return
			}
		}
		next[k] = RRset{Name: name, Type: a.Type, TTL: a.TTL, Rrdatas: a.Rrdatas}
	}
	for k, rs := range next {
		if rs.Type != "CNAME" {
			continue
		}
		for o, other := range next {
			if o != k && other.Name == rs.Name {
				fail(w, http.StatusBadRequest, "cnameResourceRecordSetConflict", "The resource record set 'entity.change.additions' is invalid because a CNAME resource record set for '%s' conflicts with another record set", rs.Name)
				return
			}
		}
	}
	z.sets = next
	s.nextID++
	id := strconv.Itoa(s.nextID)
	s.pending[id] = true
	emukit.JSON(w, http.StatusOK, map[string]any{"id": id, "status": "pending", "additions": in.Additions, "deletions": in.Deletions})
}

func sorted(vs []string) []string {
	out := slices.Clone(vs)
	slices.Sort(out)
	return out
}
