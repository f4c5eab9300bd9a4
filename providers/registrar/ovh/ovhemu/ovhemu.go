// Package ovhemu is a loopback emulator of the OVHcloud API v1 calls twinzone uses for a
// domain's name servers, built from OVHcloud's documentation: "First steps with the OVHcloud
// APIs" (signature), "Configure the DNS of your Domain Name"
// (https://help.ovhcloud.com/csm/en-domain-names-api-dns: nameServer listing and details,
// nameServers/update, nameServerType) and "Tasks Management" (task statuses):
//
//   - GET /auth/time returns the API's clock (unauthenticated);
//   - every other call is signed: X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and
//     X-Ovh-Signature = "$1$" + SHA-1 hex of secret+consumer+method+URL+body+timestamp; an
//     unknown key 403 "Invalid application key" / "Invalid credential", a bad signature 400
//     "Invalid signature", a timestamp more than MaxSkew off 400 "Query out of time";
//   - GET /domain/{d}/nameServer lists ids; GET /domain/{d}/nameServer/{id} the details;
//   - POST /domain/{d}/nameServers/update {"nameServers": [{"host", "ip"}]} replaces the set
//     through a DomainDnsUpdate task (status todo, then done after TaskPolls reads of the
//     task, or error when FailTasks is set); a domain whose nameServerType is "hosted" is
//     refused with 403, as OVH allows changes only for "external";
//   - unknown domains get 404 {"class": "Client::NotFound", "message": ...}; FailNext injects
//     503s.
//
// Differences left: the real API has per-consumer-key access rules, the glueRecord API and
// registry checks of the names; the emulator applies the new set when the task completes.
package ovhemu

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxSkew is how far X-Ovh-Timestamp may be from the API's clock.
const MaxSkew = 5 * time.Minute

// Server is the emulator.
type Server struct {
	URL string // the API root (".../1.0")

	mu        sync.Mutex
	appKey    string
	appSecret string
	consumer  string
	clock     time.Duration // API clock minus real clock
	domains   map[string]*domain
	tasks     map[int64]*task
	nextID    int64
	taskPolls int
	failTasks bool
	failNext  int // fail the next signed requests with 503
	srv       *httptest.Server
}

type domain struct {
	hosted bool
	ns     []entry
}

type entry struct {
	id       int64
	host, ip string
}

type task struct {
	id     int64
	domain string
	status string
	polls  int
	set    []entry
}

// Start serves domains (bare names) for one application and consumer key.
func Start(appKey, appSecret, consumer string, domains map[string][]string) *Server {
	s := &Server{appKey: appKey, appSecret: appSecret, consumer: consumer, domains: map[string]*domain{},
		tasks: map[int64]*task{}, nextID: 1000, taskPolls: 1}
	for d, names := range domains {
		dm := &domain{}
		for _, n := range names {
			s.nextID++
			dm.ns = append(dm.ns, entry{id: s.nextID, host: n})
		}
		s.domains[d] = dm
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL + "/1.0"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Configure sets the API clock offset, how many task reads a task stays "todo" before it
// is done, whether tasks end in "error", and which domains are "hosted".
func (s *Server) Configure(clock time.Duration, taskPolls int, failTasks bool, hosted ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock, s.taskPolls, s.failTasks = clock, taskPolls, failTasks
	for _, d := range hosted {
		if dm := s.domains[d]; dm != nil {
			dm.hosted = true
		}
	}
}

// FailNext makes the next n signed requests fail with 503 (the API's own outage).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Nameservers returns the hosts the emulator declares for d (with "=ip" for glue).
func (s *Server) Nameservers(d string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if dm := s.domains[d]; dm != nil {
		for _, e := range dm.ns {
			if e.ip != "" {
				out = append(out, e.host+"="+e.ip)
			} else {
				out = append(out, e.host)
			}
		}
	}
	return out
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, class, msg string) { reply(status, map[string]string{"class": class, "message": msg}) }
	now := time.Now().Add(s.clock)
	path, ok := strings.CutPrefix(r.URL.Path, "/1.0")
	if !ok {
		fail(404, "Client::NotFound", "unknown path")
		return
	}
	if path == "/auth/time" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, now.Unix())
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	ts, err := strconv.ParseInt(r.Header.Get("X-Ovh-Timestamp"), 10, 64)
	switch {
	case r.Header.Get("X-Ovh-Application") != s.appKey:
		fail(403, "Client::Forbidden", "Invalid application key")
		return
	case r.Header.Get("X-Ovh-Consumer") != s.consumer:
		fail(403, "Client::Forbidden", "Invalid credential")
		return
	case err != nil || now.Sub(time.Unix(ts, 0)).Abs() > MaxSkew:
		fail(400, "Client::BadRequest", "Query out of time")
		return
	}
	full := "http://" + r.Host + r.URL.RequestURI()
	sum := sha1.Sum([]byte(s.appSecret + "+" + s.consumer + "+" + r.Method + "+" + full + "+" + string(body) + "+" + strconv.FormatInt(ts, 10)))
	if r.Header.Get("X-Ovh-Signature") != "$1$"+hex.EncodeToString(sum[:]) {
		fail(400, "Client::BadRequest", "Invalid signature")
		return
	}
	if s.failNext > 0 {
		s.failNext--
		fail(503, "Server::ServiceUnavailable", "injected outage")
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/domain/"), "/")
	dm := s.domains[parts[0]]
	if !strings.HasPrefix(path, "/domain/") || dm == nil {
		fail(404, "Client::NotFound", fmt.Sprintf("The requested object (serviceName = %s) does not exist", parts[0]))
		return
	}
	switch {
	case r.Method == http.MethodGet && len(parts) == 2 && parts[1] == "nameServer":
		ids := []int64{}
		for _, e := range dm.ns {
			ids = append(ids, e.id)
		}
		reply(200, ids)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "nameServer":
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		i := slices.IndexFunc(dm.ns, func(e entry) bool { return e.id == id })
		if i < 0 {
			fail(404, "Client::NotFound", "name server not found")
			return
		}
		e := dm.ns[i]
		var ip any
		if e.ip != "" {
			ip = e.ip
		}
		reply(200, map[string]any{"id": e.id, "host": e.host, "ip": ip, "isUsed": true, "toDelete": false})
	case r.Method == http.MethodPost && len(parts) == 3 && parts[1] == "nameServers" && parts[2] == "update":
		if dm.hosted {
			fail(403, "Client::Forbidden", "nameServerType is hosted: set it to external before changing the name servers")
			return
		}
		var in struct {
			NameServers []struct {
				Host string `json:"host"`
				IP   string `json:"ip"`
			} `json:"nameServers"`
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || len(in.NameServers) == 0 {
			fail(400, "Client::BadRequest", "Invalid body: nameServers required")
			return
		}
		t := &task{domain: parts[0], status: "todo"}
		for _, n := range in.NameServers {
			if n.Host == "" || strings.HasSuffix(n.Host, ".") {
				fail(400, "Client::BadRequest", "Invalid host "+n.Host)
				return
			}
			s.nextID++
			t.set = append(t.set, entry{id: s.nextID, host: n.Host, ip: n.IP})
		}
		s.nextID++
		t.id = s.nextID
		s.tasks[t.id] = t
		reply(200, s.taskJSON(t))
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "task":
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		t := s.tasks[id]
		if t == nil || t.domain != parts[0] {
			fail(404, "Client::NotFound", "task not found")
			return
		}
		if t.status == "todo" {
			if t.polls++; t.polls >= s.taskPolls {
				if s.failTasks {
					t.status = "error"
				} else {
					t.status = "done"
					dm.ns = t.set
				}
			}
		}
		reply(200, s.taskJSON(t))
	default:
		fail(404, "Client::NotFound", "unknown route "+r.Method+" "+path)
	}
}

func (s *Server) taskJSON(t *task) map[string]any {
	comment := ""
	if t.status == "error" {
		comment = "Invalid DNS servers: the registry refused the change"
	}
	return map[string]any{"id": t.id, "function": "DomainDnsUpdate", "status": t.status, "comment": comment,
		"canCancel": t.status == "todo", "canRelaunch": t.status == "error"}
}
