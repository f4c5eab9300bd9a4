// Package r53emu is an in-process emulator of the Amazon Route 53 REST/XML API (2013-04-01),
// served over HTTP on 127.0.0.1, for tests and benchmarks. It answers the calls the AWS SDK for
// Go v2 makes for ListHostedZonesByName, GetHostedZone, ListResourceRecordSets (300 per page,
// IsTruncated/NextRecordName/NextRecordType), ChangeResourceRecordSets (CREATE, DELETE, UPSERT;
// atomic batches with Route 53's limits and InvalidChangeBatch errors) and GetChange (PENDING,
// then INSYNC). Alias records are stored and listed. Requests must carry an Authorization
// header; signatures are not verified.
//
// It refuses what the references say Route 53 refuses (botocore's route53 model,
// botocore/data/route53/2013-04-01/service-2.json, and the Route 53 Developer Guide): a Value
// over 4,000 characters (RData max 4000; InvalidInput), more than 400 values in one record set,
// a CNAME beside any other type at its name whatever the set identifiers, a simple record set
// beside routing-policy ones of the same name and type, "*" other than as the whole leftmost
// label, wildcard NS, a SetIdentifier without exactly one routing policy, Weight outside
// 0..255, Failover other than PRIMARY or SECONDARY, and the batch limits. It keeps Weight,
// Region, Failover, GeoLocation, MultiValueAnswer, HealthCheckId and SetIdentifier, and lists
// names label-wise from the root with '.' after each label, in ASCII (the model's
// ListResourceRecordSets documentation). InvalidChangeBatch comes in the standard
// <ErrorResponse> form, or, after SetLegacyInvalidChangeBatch, in the
// <InvalidChangeBatch><Messages> form aws-sdk-go-v2 still decodes.
//
// Differences that remain, and why:
//   - Message texts are modelled on AWS's but not byte-equal where no reference quotes them
//     (the 400-value, wildcard and routing-policy refusals); tests match on substance.
//   - RDATA is checked by parsing it with miekg/dns, not by Route 53's own per-type rules
//     (the Developer Guide's "Supported DNS record types" is prose, not a grammar).
//   - Records per hosted zone (10,000 by default, Quotas), health checks, traffic policies,
//     GeoLocation codes and Region names are not checked; alias targets are not resolved.
//   - Signatures are not verified (the SDK signs; tests hold no real keys).
//
// Knobs (all safe for concurrent use): injected faults (5xx, Throttling,
// PriorRequestNotComplete, dropped connections, timeouts), latency, failure after N requests,
// random faults from a seed, a server-side rate limit; counters of requests by kind; direct
// access to records for assertions.
//
//	srv, _ := r53emu.Start()
//	defer srv.Close()
//	id := srv.AddZone("example.com.", false)
//	// point the SDK at srv.URL() (route53.Options.BaseEndpoint)
package r53emu

import (
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Operation names used as keys of Stats.ByOp.
const (
	OpListHostedZonesByName    = "ListHostedZonesByName"
	OpGetHostedZone            = "GetHostedZone"
	OpListResourceRecordSets   = "ListResourceRecordSets"
	OpChangeResourceRecordSets = "ChangeResourceRecordSets"
	OpGetChange                = "GetChange"
	OpUnknown                  = "Unknown"
)

// Stats counts requests received (faulted ones included).
type Stats struct {
	Reads, Writes int            // GET requests, POST requests
	ByOp          map[string]int // by operation name
	Faults        int            // requests answered with an injected fault
}

type change struct {
	id        string
	submitted time.Time
	pending   int // GetChange calls still answered PENDING
}

// Server is a running emulator.
type Server struct {
	mu           sync.Mutex
	zones        map[string]*zoneData
	changes      map[string]*change
	seq          int
	pendingPolls int
	legacyICB    bool // InvalidChangeBatch in its <InvalidChangeBatch><Messages> form
	stats        Stats
	f            faults

	ln     net.Listener
	http   *http.Server
	closed chan struct{}
	once   sync.Once
}

// Start serves a new, empty emulator on 127.0.0.1 on a free port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("r53emu: listen: %w", err)
	}
	s := &Server{
		zones:        map[string]*zoneData{},
		changes:      map[string]*change{},
		pendingPolls: 1,
		stats:        Stats{ByOp: map[string]int{}},
		f:            faults{failAfter: -1, hold: 10 * time.Second},
		ln:           ln,
		closed:       make(chan struct{}),
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln) //nolint:errcheck // returns on Close
	return s, nil
}

// URL is the base endpoint to give the SDK ("http://127.0.0.1:port").
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and releases held requests.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		s.http.Close()
	})
}

// SetPendingPolls sets how many GetChange calls answer PENDING for each new change before it
// is INSYNC (default 1).
func (s *Server) SetPendingPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingPolls = n
}

// SetLegacyInvalidChangeBatch makes InvalidChangeBatch rejections use the form with their
// own root element and the reasons in <Messages> (whose SDK error Message is only "ChangeBatch
// errors occurred"), instead of the standard <ErrorResponse> with the reasons in Message.
func (s *Server) SetLegacyInvalidChangeBatch(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.legacyICB = on
}

// Stats returns a copy of the request counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	c.ByOp = make(map[string]int, len(s.stats.ByOp))
	for k, v := range s.stats.ByOp {
		c.ByOp[k] = v
	}
	return c
}

// ResetStats zeroes the request counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{ByOp: map[string]int{}}
}

func operation(method, path string) (op, zoneID, changeID string) {
	p, ok := strings.CutPrefix(path, "/2013-04-01/")
	if !ok {
		return OpUnknown, "", ""
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzonesbyname":
		return OpListHostedZonesByName, "", ""
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "hostedzone":
		return OpGetHostedZone, parts[1], ""
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		if method == http.MethodPost {
			return OpChangeResourceRecordSets, parts[1], ""
		}
		if method == http.MethodGet {
			return OpListResourceRecordSets, parts[1], ""
		}
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "change":
		return OpGetChange, "", parts[1]
	}
	return OpUnknown, "", ""
}

// ServeHTTP counts the request, applies injected faults and dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, zoneID, changeID := operation(r.Method, r.URL.Path)
	write := r.Method == http.MethodPost
	s.mu.Lock()
	if write {
		s.stats.Writes++
	} else {
		s.stats.Reads++
	}
	s.stats.ByOp[op]++
	fault := FaultNone
	if r.Header.Get("Authorization") != "" {
		fault = s.pickFault(write)
	}
	if fault != FaultNone {
		s.stats.Faults++
	}
	latency, hold := s.f.latency, s.f.hold
	s.mu.Unlock()

	if latency > 0 && !s.wait(r, latency) {
		return
	}
	if r.Header.Get("Authorization") == "" {
		writeError(w, http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token")
		return
	}
	switch fault {
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	case FaultUnavailable:
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable")
		return
	case FaultThrottle:
		writeError(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	case FaultPriorRequest:
		writeError(w, http.StatusBadRequest, "PriorRequestNotComplete",
			"The request was rejected because Route 53 was still processing a prior request.")
		return
	case FaultDrop:
		drop(w)
		return
	case FaultTimeout:
		s.wait(r, hold)
		drop(w)
		return
	}
	s.dispatch(w, r, op, zoneID, changeID, fault == FaultDropAfter)
}

// wait sleeps for d unless the client goes away or the server closes; it reports whether the
// full time passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closed:
	}
	return false
}

// drop closes the connection without (another) reply.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// bufferedWriter keeps a reply in memory so that FaultDropAfter can discard it.
type bufferedWriter struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (b *bufferedWriter) WriteHeader(code int) { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.body = append(b.body, p...)
	return len(p), nil
}

// dispatch handles the request; with discard, the reply is thrown away and the connection
// closed, after the request took effect.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, op, zoneID, changeID string, discard bool) {
	bw := &bufferedWriter{ResponseWriter: w, status: http.StatusOK}
	switch op {
	case OpListHostedZonesByName:
		s.listZonesByName(bw, r)
	case OpGetHostedZone:
		s.getZone(bw, zoneID)
	case OpListResourceRecordSets:
		s.listRRsets(bw, r, zoneID)
	case OpChangeResourceRecordSets:
		s.changeRRsets(bw, r, zoneID)
	case OpGetChange:
		s.getChange(bw, changeID)
	default:
		writeError(bw, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
	}
	if discard {
		drop(w)
		return
	}
	bw.ResponseWriter.Header().Set("Content-Type", "text/xml")
	bw.ResponseWriter.WriteHeader(bw.status)
	bw.ResponseWriter.Write(bw.body) //nolint:errcheck
}

func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	w.WriteHeader(status)
	io.WriteString(w, xml.Header) //nolint:errcheck
	w.Write(out)                  //nolint:errcheck
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	writeXML(w, status, xmlErrorResponse{Xmlns: xmlns, Type: typ, Code: code, Message: msg, RequestID: "r53emu"})
}
