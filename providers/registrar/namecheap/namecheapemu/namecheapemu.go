// Package namecheapemu is a loopback emulator of the Namecheap XML API calls twinzone uses,
// built from Namecheap's documentation: global parameters and error codes
// (https://www.namecheap.com/support/api/global-parameters/), namecheap.domains.dns.setCustom
// (https://www.namecheap.com/support/api/methods/domains-dns/set-custom/) and
// namecheap.domains.dns.getList (https://www.namecheap.com/support/api/methods/domains-dns/get-list/):
//
//   - every request carries ApiUser, ApiKey, UserName, ClientIp and Command (query or form);
//   - the API answers only requests whose source address is on the allow-list, and ClientIp
//     must be an allow-listed address: otherwise error 1011150 "Parameter RequestIP is invalid";
//   - a wrong ApiUser/ApiKey gets 1011102 ("Parameter APIKey is missing", what Namecheap sends
//     for a wrong key too); a domain not in the account 2019166 "Domain not found";
//   - replies are HTTP 200 with <ApiResponse Status="OK|ERROR">, <Errors><Error Number=..>;
//   - setCustom takes SLD, TLD and NameServers (comma-separated, at most 1200 characters)
//     and answers <DomainDNSSetCustomResult Domain=.. Updated="true"/>; getList answers
//     <DomainDNSGetListResult Domain=.. IsUsingOurDNS=..><Nameserver>..</Nameserver>...
//
// Differences left: the real API checks names at the registry (via Enom: 3031510), limits the
// request rate, and knows many more commands; the emulator's allow-list is matched against the
// TCP peer address (loopback in tests), which is what Namecheap sees.
package namecheapemu

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
)

// Server is the emulator.
type Server struct {
	URL string // the xml.response endpoint

	mu        sync.Mutex
	user, key string
	allow     []string
	domains   map[string][]string
	calls     map[string]int // requests per Command
	srv       *httptest.Server
}

// Start serves domains (bare names) for user/key, answering only allow-listed addresses.
func Start(user, key string, allow []string, domains map[string][]string) *Server {
	s := &Server{user: user, key: key, allow: allow, domains: map[string][]string{}, calls: map[string]int{}}
	for d, ns := range domains {
		s.domains[d] = slices.Clone(ns)
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL + "/xml.response"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetAllowList replaces the allow-list.
func (s *Server) SetAllowList(allow []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allow = allow
}

// Calls returns how many requests named command (answered or refused).
func (s *Server) Calls(command string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[command]
}

// Nameservers returns what the emulator holds for domain.
func (s *Server) Nameservers(domain string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.domains[domain])
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_ = r.ParseForm()
	cmd := r.Form.Get("Command")
	s.calls[cmd]++
	write := func(status, errs, body string) {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<ApiResponse Status="%s" xmlns="http://api.namecheap.com/xml.response">
  <Errors>%s</Errors>
  <RequestedCommand>%s</RequestedCommand>
  <CommandResponse Type="%s">%s</CommandResponse>
  <Server>EMU</Server><GMTTimeDifference>--5:00</GMTTimeDifference><ExecutionTime>0.01</ExecutionTime>
</ApiResponse>`, status, errs, xmlText(cmd), xmlText(cmd), body)
	}
	fail := func(number, text string) {
		write("ERROR", fmt.Sprintf(`<Error Number="%s">%s</Error>`, number, xmlText(text)), "")
	}
	peer, _, _ := net.SplitHostPort(r.RemoteAddr)
	switch {
	case r.Form.Get("ApiUser") == "":
		fail("1010101", "Parameter APIUser is missing")
		return
	case r.Form.Get("ClientIp") == "":
		fail("1010105", "Parameter ClientIP is missing")
		return
	case !slices.Contains(s.allow, peer) || !slices.Contains(s.allow, r.Form.Get("ClientIp")):
		fail("1011150", "Parameter RequestIP is invalid")
		return
	case r.Form.Get("ApiUser") != s.user || r.Form.Get("ApiKey") != s.key:
		fail("1011102", "Parameter APIKey is missing")
		return
	case r.Form.Get("UserName") != s.user:
		fail("1016103", "Parameter UserName is unauthorized")
		return
	}
	domain := strings.ToLower(r.Form.Get("SLD") + "." + r.Form.Get("TLD"))
	cur, known := s.domains[domain]
	switch cmd {
	case "namecheap.domains.dns.getList":
		if !known {
			fail("2019166", "Domain not found")
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<DomainDNSGetListResult Domain="%s" IsUsingOurDNS="false">`, xmlText(domain))
		for _, n := range cur {
			fmt.Fprintf(&b, "<Nameserver>%s</Nameserver>", xmlText(n))
		}
		b.WriteString("</DomainDNSGetListResult>")
		write("OK", "", b.String())
	case "namecheap.domains.dns.setCustom":
		list := r.Form.Get("NameServers")
		if !known {
			fail("2019166", "Domain not found")
			return
		}
		if list == "" || len(list) > 1200 {
			fail("2010324", "NameServers is missing or too long")
			return
		}
		names := strings.Split(list, ",")
		for _, n := range names {
			if n == "" || strings.HasSuffix(n, ".") {
				fail("3031510", "Error From Enom when Errorcount <> 0: invalid name server "+n)
				return
			}
		}
		s.domains[domain] = names
		write("OK", "", fmt.Sprintf(`<DomainDNSSetCustomResult Domain="%s" Updated="true"/>`, xmlText(domain)))
	default:
		fail("1010104", "Parameter Command is missing or unknown")
	}
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
