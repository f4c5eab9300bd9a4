package dnsserver

import (
	"net/http"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const testZone = `$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns1.example.test.
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
`

func query(t *testing.T, addr, name string, qtype uint16, rd bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = rd
	c := &dns.Client{Timeout: 3 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s @%s: %v", name, dns.TypeToString[qtype], addr, err)
	}
	return r
}

func update(t *testing.T, addr string, key *TSIG, rr string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate("example.test.")
	r, _ := dns.NewRR(rr)
	m.Insert([]dns.RR{r})
	c := &dns.Client{Net: "tcp", Timeout: 3 * time.Second}
	if key != nil {
		m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
		c.TsigSecret = map[string]string{key.Name: key.Secret}
	}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("update: rcode %s", dns.RcodeToString[resp.Rcode])
	}
}

func testAuth(t *testing.T, start func(testing.TB, Options) *Server) {
	key := TestKey
	s := start(t, Options{Zones: []Zone{{Origin: "example.test.", Text: testZone}}, Key: &key})
	if s.PID() == 0 {
		t.Fatal("PID 0 while running")
	}
	r := query(t, s.Addr, "www.example.test.", dns.TypeA, false)
	if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.1" {
		t.Fatalf("www A: %v", r.Answer)
	}
	// An unsigned update is refused; a signed one is accepted.
	m := new(dns.Msg)
	m.SetUpdate("example.test.")
	rr, _ := dns.NewRR("bad.example.test. 300 IN A 192.0.2.9")
	m.Insert([]dns.RR{rr})
	if resp, _, err := new(dns.Client).Exchange(m, s.Addr); err != nil || resp.Rcode == dns.RcodeSuccess {
		t.Fatalf("unsigned update accepted: %v %v", resp, err)
	}
	update(t, s.Addr, &key, "new.example.test. 300 IN A 192.0.2.7")

	addr := s.Addr
	s.Stop()
	if s.PID() != 0 {
		t.Fatal("PID after Stop")
	}
	c := &dns.Client{Timeout: 300 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion("www.example.test.", dns.TypeA)
	if _, _, err := c.Exchange(q, addr); err == nil {
		t.Fatal("stopped server still answers")
	}
	s.Start()
	if s.Addr != addr {
		t.Fatalf("address changed across restart: %s -> %s", addr, s.Addr)
	}
	r = query(t, s.Addr, "new.example.test.", dns.TypeA, false)
	if len(r.Answer) != 1 {
		t.Fatalf("update lost across restart: %v\n%s", r, s.Logs())
	}
}

func TestBIND(t *testing.T) { t.Parallel(); testAuth(t, StartBIND) }
func TestKnot(t *testing.T) { t.Parallel(); testAuth(t, StartKnot) }

func TestKnotOtherLoopback(t *testing.T) {
	t.Parallel()
	s := StartKnot(t, Options{IP: "127.0.0.2", Zones: []Zone{{Origin: "example.test.", Text: testZone}}})
	if s.AddrPort().Addr().String() != "127.0.0.2" {
		t.Fatalf("addr %s", s.Addr)
	}
	update(t, s.Addr, nil, "open.example.test. 300 IN A 192.0.2.8")
}

func TestUnboundStub(t *testing.T) {
	t.Parallel()
	auth := StartKnot(t, Options{Zones: []Zone{{Origin: "example.test.", Text: testZone}}})
	res := StartUnbound(t, UnboundOptions{Stubs: []Upstream{{Name: "example.test.", Addrs: []string{auth.Addr}}}})
	r := query(t, res.Addr, "www.example.test.", dns.TypeA, true)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("resolver answer: %v\n%s", r, res.Logs())
	}
}

func TestPowerDNS(t *testing.T) {
	t.Parallel()
	testAuth(t, func(t testing.TB, o Options) *Server { return StartPowerDNS(t, o).Server })
}

// The API of a started PowerDNS answers with the key and refuses without it.
func TestPowerDNSAPI(t *testing.T) {
	t.Parallel()
	pd := StartPowerDNS(t, Options{Zones: []Zone{{Origin: "example.test.", Text: testZone}}})
	get := func(key string) int {
		req, _ := http.NewRequest(http.MethodGet, pd.APIURL+"/api/v1/servers/localhost/zones/example.test.", nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(pd.APIKey); c != http.StatusOK {
		t.Errorf("with the key: %d", c)
	}
	if c := get("wrong"); c != http.StatusUnauthorized {
		t.Errorf("with a wrong key: %d", c)
	}
	// Updates from loopback without TSIG are allowed when no key is configured.
	update(t, pd.Addr, nil, "new.example.test. 300 IN A 192.0.2.7")
	if r := query(t, pd.Addr, "new.example.test.", dns.TypeA, false); len(r.Answer) != 1 {
		t.Errorf("update not served: %v", r)
	}
}

// The resolvers follow a referral from the parent to the child (no port in a delegation:
// the child listens on port 53 of its own address in helper 10's block 127.0.10.0/24).
func testResolver(t *testing.T, start func(t *testing.T, parent string) *Server) {
	t.Helper()
	child := StartKnot(t, Options{IP: "127.0.10.51", Port: 53, Zones: []Zone{{Origin: "example.test.", Text: testZone}}})
	parent := StartKnot(t, Options{IP: "127.0.10.50", Port: 53, Zones: []Zone{{Origin: "test.", Text: `$ORIGIN test.
@ 60 IN SOA ns.test. h.test. 1 7200 3600 1209600 60
@ 60 IN NS ns.test.
ns 60 IN A 127.0.10.50
example 60 IN NS ns1.example.test.
ns1.example 60 IN A ` + child.AddrPort().Addr().String() + "\n"}}})
	res := start(t, parent.AddrPort().Addr().String())
	r := query(t, res.Addr, "www.example.test.", dns.TypeA, true)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("resolver answer: %v\n%s", r, res.Logs())
	}
}

func TestRecursor(t *testing.T) {
	testResolver(t, func(t *testing.T, parent string) *Server {
		return StartRecursor(t, RecursorOptions{IP: "127.0.10.52", Forwards: []Upstream{{Name: "test.", Addrs: []string{parent}}}})
	})
}

func TestKresd(t *testing.T) {
	testResolver(t, func(t *testing.T, parent string) *Server {
		return StartKresd(t, KresdOptions{IP: "127.0.10.53", Root: Upstream{Name: "ns.test.", Addrs: []string{parent}}})
	})
}
