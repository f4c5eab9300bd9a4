// Package azureemu is a loopback emulator of Azure DNS record sets (ARM, api-version
// 2018-05-01) and of Microsoft Entra ID's client-credentials token endpoint, as their
// documentation describes them (learn.microsoft.com: "Record Sets - List All By Dns Zone",
// "Create Or Update", "Delete"; "OAuth 2.0 client credentials flow"), for the azure adapter's
// tests:
//
//   - POST /{tenant}/oauth2/v2.0/token (grant_type=client_credentials, client_id,
//     client_secret, scope ending in /.default): a token valid for an hour; a wrong secret
//     gets 401 invalid_client (AADSTS7000215).
//   - GET .../dnsZones/{zone}/all?api-version=2018-05-01: {"value": [...], "nextLink"}, 100
//     record sets per page.
//   - PUT .../dnsZones/{zone}/{type}/{name}: replaces the record set (201 new, 200 existing);
//     DELETE: 200, or 204 when there was none. The properties must hold exactly the list of
//     the record set's type; a CNAME beside other data, a missing or bad value, and SOA are
//     refused (400 BadRequest). "@" is the apex.
package azureemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/twinzone/twinzone/providers/dns/internal/emukit"
)

// Server is a running emulator.
type Server struct {
	URL       string // ARM base, like https://management.azure.com
	Authority string // like https://login.microsoftonline.com

	tenant, client, secret, sub, group string
	hs                                 *httptest.Server

	mu     sync.Mutex
	tokens map[string]bool
	zones  map[string]map[string]json.RawMessage // zone -> "TYPE name" -> properties
	nextID int
	tokReq int
}

// New starts an emulator for one tenant, service principal, subscription and resource group.
func New(tenant, client, secret, subscription, group string) *Server {
	s := &Server{tenant: tenant, client: client, secret: secret, sub: subscription, group: group,
		tokens: map[string]bool{}, zones: map[string]map[string]json.RawMessage{}}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL, s.Authority = s.hs.URL, s.hs.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// TokenRequests is the number of token requests received.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokReq
}

// AddZone creates a zone with Azure's SOA and apex NS.
func (s *Server) AddZone(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	s.zones[name] = map[string]json.RawMessage{
		"SOA @": json.RawMessage(`{"TTL":3600,"SOARecord":{"host":"ns1-01.azure-dns.com.","email":"azuredns-hostmaster.microsoft.com","serialNumber":1}}`),
		"NS @":  json.RawMessage(`{"TTL":172800,"NSRecords":[{"nsdname":"ns1-01.azure-dns.com."},{"nsdname":"ns2-01.azure-dns.net."}]}`),
	}
}

func fail(w http.ResponseWriter, code int, ecode, format string, args ...any) {
	emukit.JSON(w, code, map[string]any{"error": map[string]string{"code": ecode, "message": fmt.Sprintf(format, args...)}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/"+s.tenant+"/oauth2/v2.0/token" {
		s.token(w, r)
		return
	}
	auth, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.tokens[auth] {
		fail(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.")
		return
	}
	if r.URL.Query().Get("api-version") != "2018-05-01" {
		fail(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid.", r.URL.Query().Get("api-version"))
		return
	}
	prefix := "/subscriptions/" + s.sub + "/resourceGroups/" + s.group + "/providers/Microsoft.Network/dnsZones/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		fail(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", s.group)
		return
	}
	parts := strings.Split(rest, "/")
	z, ok := s.zones[parts[0]]
	if !ok {
		fail(w, http.StatusNotFound, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", parts[0])
		return
	}
	switch {
	case len(parts) == 2 && parts[1] == "all" && r.Method == http.MethodGet:
		s.list(w, r, parts[0], z)
	case len(parts) == 3 && r.Method == http.MethodPut:
		s.put(w, r, z, strings.ToUpper(parts[1]), strings.ToLower(parts[2]))
	case len(parts) == 3 && r.Method == http.MethodDelete:
		k := strings.ToUpper(parts[1]) + " " + strings.ToLower(parts[2])
		if _, ok := z[k]; !ok {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		delete(z, k)
		w.WriteHeader(http.StatusOK)
	default:
		fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed")
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokReq++
	if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "client_credentials" || !strings.HasSuffix(r.Form.Get("scope"), "/.default") {
		emukit.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "AADSTS900144: The request body must contain the following parameter: 'grant_type'."})
		return
	}
	if r.Form.Get("client_id") != s.client || r.Form.Get("client_secret") != s.secret {
		emukit.JSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0000"})
		return
	}
	s.nextID++
	tok := "eyJ0eXAiOiJKV1Qi.emu-" + strconv.Itoa(s.nextID)
	s.tokens[tok] = true
	emukit.JSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": tok})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, zname string, z map[string]json.RawMessage) {
	keys := make([]string, 0, len(z))
	for k := range z {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	from, _ := strconv.Atoi(r.URL.Query().Get("$skipToken"))
	from = min(from, len(keys))
	to := min(from+100, len(keys))
	var out []map[string]any
	for _, k := range keys[from:to] {
		typ, name, _ := strings.Cut(k, " ")
		out = append(out, map[string]any{"name": name, "type": "Microsoft.Network/dnszones/" + typ, "properties": z[k]})
	}
	rep := map[string]any{"value": out}
	if to < len(keys) {
		rep["nextLink"] = fmt.Sprintf("%s%s?api-version=2018-05-01&$skipToken=%d", s.URL, r.URL.Path, to)
	}
	emukit.JSON(w, http.StatusOK, rep)
}

// lists are the property holding each type's records.
var lists = map[string]string{"A": "ARecords", "AAAA": "AAAARecords", "CAA": "caaRecords", "CNAME": "CNAMERecord",
	"MX": "MXRecords", "NS": "NSRecords", "PTR": "PTRRecords", "SRV": "SRVRecords", "TXT": "TXTRecords"}

func (s *Server) put(w http.ResponseWriter, r *http.Request, z map[string]json.RawMessage, typ, name string) {
	var in struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, http.StatusBadRequest, "BadRequest", "invalid JSON")
		return
	}
	list, ok := lists[typ]
	if !ok {
		fail(w, http.StatusBadRequest, "BadRequest", "The record type %s is not supported.", typ)
		return
	}
	for key := range in.Properties {
		if key != "TTL" && key != list && key != "metadata" {
			fail(w, http.StatusBadRequest, "BadRequest", "The property %s is not valid for a record set of type %s.", key, typ)
			return
		}
	}
	recs, ok := in.Properties[list]
	if !ok || len(recs) < 3 { // "[]" or "{}"
		fail(w, http.StatusBadRequest, "BadRequest", "The record set must contain at least one record.")
		return
	}
	var check []map[string]any
	if typ == "CNAME" {
		var one map[string]any
		if json.Unmarshal(recs, &one) != nil || one["cname"] == "" {
			fail(w, http.StatusBadRequest, "BadRequest", "The CNAME record is invalid.")
			return
		}
	} else if json.Unmarshal(recs, &check) != nil || len(check) == 0 {
		fail(w, http.StatusBadRequest, "BadRequest", "The %s records are invalid.", typ)
		return
	}
	for k := range z {
		t, n, _ := strings.Cut(k, " ")
		if n == name && t != typ && (t == "CNAME" || typ == "CNAME") {
			fail(w, http.StatusBadRequest, "BadRequest", "The record set %s conflicts with an existing CNAME record set or cannot coexist with one.", name)
			return
		}
	}
	code := http.StatusCreated
	if _, ok := z[typ+" "+name]; ok {
		code = http.StatusOK
	}
	props, _ := json.Marshal(in.Properties)
	z[typ+" "+name] = props
	emukit.JSON(w, code, map[string]any{"name": name, "type": "Microsoft.Network/dnszones/" + typ, "properties": json.RawMessage(props)})
}
