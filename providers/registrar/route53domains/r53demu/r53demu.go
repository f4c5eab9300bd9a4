// Package r53demu is a loopback emulator of the Route 53 Domains API (AWS JSON 1.1 protocol:
// POST / with X-Amz-Target: Route53Domains_v20140515.<Operation>) for tests: GetDomainDetail,
// UpdateDomainNameservers (asynchronous: returns an OperationId) and GetOperationDetail
// (SUBMITTED, IN_PROGRESS, SUCCESSFUL, FAILED). It checks that requests are SigV4-signed for
// us-east-1 and the route53domains service, and has knobs for failures: an operation that goes
// FAILED, one that stays IN_PROGRESS for N polls, 5xx replies, throttling.
//
// It refuses what botocore's route53domains model (2014-05-15/service-2.json) says the service
// refuses: more than one IPv4 or more than one IPv6 address in a nameserver's GlueIps ("The
// list can contain only one IPv4 and one IPv6 address"), a GlueIp that is not an address of at
// most 45 characters, and a nameserver name outside the HostName shape ([a-zA-Z0-9_\-.]*, at
// most 255). Differences that remain: glue given for a name outside the domain is refused (the
// model says glue is "required only" inside it; the emulator is stricter so that twinzone never
// sends it); more than 6 nameservers are refused (a registry limit the model does not state);
// no TLD rules (TLDRulesViolation), DuplicateRequest for concurrent operations or email to the
// registrant.
package r53demu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"
)

const targetPrefix = "Route53Domains_v20140515."

// hostNameRE is the model's HostName pattern ([a-zA-Z0-9_\-.]*, at most 255 characters).
var hostNameRE = regexp.MustCompile(`^[a-zA-Z0-9_\-.]*$`)

// Nameserver is a nameserver as the API carries it.
type Nameserver struct {
	Name    string   `json:"Name"`
	GlueIps []string `json:"GlueIps,omitempty"`
}

// Knobs inject failures; each counter is consumed as it fires.
type Knobs struct {
	FailNextOperation bool // the next UpdateDomainNameservers operation ends FAILED (domain unchanged)
	InProgressPolls   int  // each new operation reports IN_PROGRESS for this many polls first
	ServerErrors      int  // the next N requests get HTTP 500 InternalFailure
	Throttles         int  // the next N requests get HTTP 400 ThrottlingException
}

type operation struct {
	id, domain  string
	nameservers []Nameserver
	fail        bool
	pollsLeft   int
	status      string
	submitted   time.Time
}

// Server is the emulator; use it as an http.Handler (httptest.NewServer(r53demu.New())).
type Server struct {
	mu       sync.Mutex
	Knobs    Knobs
	domains  map[string][]Nameserver
	ops      map[string]*operation
	seq      int
	requests map[string]int
	keyID    string // the only access key ID accepted ("": any)
}

// RequireAccessKeyID makes the emulator refuse requests signed with another access key ID,
// as AWS does (UnrecognizedClientException); the signature itself is not verified.
func (s *Server) RequireAccessKeyID(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keyID = id
}

// New returns an emulator with no domains.
func New() *Server {
	return &Server{domains: map[string][]Nameserver{}, ops: map[string]*operation{}, requests: map[string]int{}}
}

// SetDomain registers domain (no trailing dot) with the given nameservers.
func (s *Server) SetDomain(domain string, ns ...Nameserver) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.domains[domain] = ns
}

// Domain returns the nameservers the emulator holds for domain.
func (s *Server) Domain(domain string) []Nameserver {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Nameserver(nil), s.domains[domain]...)
}

// SetKnobs replaces the failure knobs.
func (s *Server) SetKnobs(k Knobs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Knobs = k
}

// Requests returns how many requests named operation received.
func (s *Server) Requests(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[operation]
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-0000-0000-000000000000")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, typ, msg string) {
	reply(w, status, map[string]string{"__type": typ, "message": msg})
}

// ServeHTTP implements the JSON 1.1 protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		fail(w, 400, "UnknownOperationException", "unknown operation")
		return
	}
	s.requests[op]++
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		fail(w, 400, "SerializationException", "content type "+ct)
		return
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/us-east-1/route53domains/aws4_request") {
		fail(w, 403, "UnrecognizedClientException", "missing or wrong SigV4 signature (want us-east-1/route53domains)")
		return
	}
	if s.keyID != "" && !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+s.keyID+"/") {
		fail(w, 403, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	if s.Knobs.ServerErrors > 0 {
		s.Knobs.ServerErrors--
		fail(w, 500, "InternalFailure", "injected server error")
		return
	}
	if s.Knobs.Throttles > 0 {
		s.Knobs.Throttles--
		fail(w, 400, "ThrottlingException", "Rate exceeded")
		return
	}
	var in struct {
		DomainName  string
		OperationId string
		Nameservers []Nameserver
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, 400, "SerializationException", err.Error())
		return
	}
	switch op {
	case "GetDomainDetail":
		ns, ok := s.domains[in.DomainName]
		if !ok {
			fail(w, 400, "InvalidInput", "Domain "+in.DomainName+" not found in account")
			return
		}
		reply(w, 200, map[string]any{"DomainName": in.DomainName, "Nameservers": ns})
	case "UpdateDomainNameservers":
		if _, ok := s.domains[in.DomainName]; !ok {
			fail(w, 400, "InvalidInput", "Domain "+in.DomainName+" not found in account")
			return
		}
		if len(in.Nameservers) == 0 || len(in.Nameservers) > 6 {
			fail(w, 400, "InvalidInput", "Nameservers: between 1 and 6 required")
			return
		}
		for _, n := range in.Nameservers {
			if n.Name == "" || strings.HasSuffix(n.Name, ".") || len(n.Name) > 255 || !hostNameRE.MatchString(n.Name) {
				fail(w, 400, "InvalidInput", "invalid nameserver name "+n.Name)
				return
			}
			inside := strings.HasSuffix(n.Name, "."+in.DomainName)
			if inside != (len(n.GlueIps) > 0) {
				fail(w, 400, "InvalidInput", "GlueIps are required for, and only for, nameservers inside the domain: "+n.Name)
				return
			}
			if msg := checkGlue(n); msg != "" {
				fail(w, 400, "InvalidInput", msg)
				return
			}
		}
		s.seq++
		o := &operation{id: fmt.Sprintf("op-%04d", s.seq), domain: in.DomainName, nameservers: in.Nameservers,
			fail: s.Knobs.FailNextOperation, pollsLeft: s.Knobs.InProgressPolls, status: "SUBMITTED", submitted: time.Now()}
		s.Knobs.FailNextOperation = false
		s.ops[o.id] = o
		reply(w, 200, map[string]string{"OperationId": o.id})
	case "GetOperationDetail":
		o, ok := s.ops[in.OperationId]
		if !ok {
			fail(w, 400, "InvalidInput", "unknown operation "+in.OperationId)
			return
		}
		switch {
		case o.status == "SUCCESSFUL" || o.status == "FAILED":
		case o.pollsLeft > 0:
			o.pollsLeft--
			o.status = "IN_PROGRESS"
		case o.fail:
			o.status = "FAILED"
		default:
			o.status = "SUCCESSFUL"
			s.domains[o.domain] = o.nameservers
		}
		out := map[string]any{"OperationId": o.id, "Status": o.status, "DomainName": o.domain,
			"Type": "UPDATE_NAMESERVER", "SubmittedDate": float64(o.submitted.Unix())}
		if o.status == "FAILED" {
			out["Message"] = "The registry rejected the nameserver change"
		}
		reply(w, 200, out)
	default:
		fail(w, 400, "UnknownOperationException", "operation "+op+" not emulated")
	}
}

// checkGlue applies the model's constraints on GlueIps: each an IP address of at most 45
// characters, and "only one IPv4 and one IPv6 address".
func checkGlue(n Nameserver) string {
	var v4, v6 int
	for _, ip := range n.GlueIps {
		a, err := netip.ParseAddr(ip)
		switch {
		case len(ip) > 45 || err != nil || a.Zone() != "":
			return fmt.Sprintf("Invalid glue IP %q for name server %s", ip, n.Name)
		case a.Is4():
			v4++
		default:
			v6++
		}
	}
	if v4 > 1 || v6 > 1 {
		return fmt.Sprintf("Name server %s has %d IPv4 and %d IPv6 glue addresses: the list can contain only one IPv4 and one IPv6 address", n.Name, v4, v6)
	}
	return ""
}
