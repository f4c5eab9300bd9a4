package cfemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type reply struct {
	Status     int
	Success    bool            `json:"success"`
	Errors     []apiError      `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *ResultInfo     `json:"result_info"`
	RetryAfter string
}

func call(t *testing.T, s *Server, token, method, path, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s %s: decoding: %v", method, path, err)
	}
	r.Status, r.RetryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	return r
}

func newZone(t *testing.T, o Options) (*Server, string) {
	if o.Token == "" {
		o.Token = "tok"
	}
	s := New(o)
	t.Cleanup(s.Close)
	return s, s.AddZone("example.com.")
}

func TestAuthAndErrorShape(t *testing.T) {
	s, id := newZone(t, Options{})
	r := call(t, s, "wrong", "GET", "/zones/"+id+"/dns_records", "")
	if r.Status != 403 || r.Success || len(r.Errors) != 1 || string(r.Result) != "null" {
		t.Fatalf("bad token: %+v", r)
	}
	r = call(t, s, "tok", "GET", "/zones?name=example.com", "")
	var zs []zoneJSON
	_ = json.Unmarshal(r.Result, &zs)
	if !r.Success || len(zs) != 1 || zs[0].ID != id {
		t.Fatalf("zone lookup: %+v", r)
	}
}

func TestValidation(t *testing.T) {
	s, id := newZone(t, Options{})
	p := "/zones/" + id + "/dns_records"
	cases := []struct {
		body string
		ok   bool
	}{
		{`{"type":"A","name":"www","content":"192.0.2.1","ttl":300}`, true},
		{`{"type":"A","name":"www","content":"192.0.2.1","ttl":300}`, false}, // identical
		{`{"type":"A","name":"a","content":"2001:db8::1"}`, false},
		{`{"type":"AAAA","name":"a","content":"2001:db8::1","ttl":1}`, true},
		{`{"type":"A","name":"b","content":"192.0.2.1","ttl":30}`, false},
		{`{"type":"A","name":"b","content":"192.0.2.1","ttl":86401}`, false},
		{`{"type":"CNAME","name":"www","content":"x.example.net"}`, false}, // A exists
		{`{"type":"MX","name":"@","content":"mx.example.net"}`, false},     // no priority
		{`{"type":"MX","name":"@","content":"mx.example.net","priority":0}`, true},
		{`{"type":"SRV","name":"_sip._tcp","data":{"priority":1,"weight":2,"port":5060,"target":"sip.example.com"}}`, true},
		{`{"type":"SRV","name":"sip","data":{"port":5060,"target":"sip.example.com"}}`, false},
		{`{"type":"CAA","name":"@","data":{"flags":0,"tag":"issue","value":"ca.example"}}`, true},
		{`{"type":"CAA","name":"@","data":{"flags":0,"tag":"bogus","value":"x"}}`, false},
		{`{"type":"HTTPS","name":"@","data":{"priority":1,"target":".","value":"alpn=h2"}}`, true},
		{`{"type":"NS","name":"@","content":"ns1.example.net"}`, false},
		{`{"type":"NS","name":"sub","content":"ns1.example.net"}`, true},
		{`{"type":"TXT","name":"t","content":"\"hello\" \"world\""}`, true},
		{`{"type":"TXT","name":"t","content":""}`, false},
		{`{"type":"MX","name":"@","content":"mx.example.net","priority":1,"proxied":true}`, false},
	}
	for i, c := range cases {
		r := call(t, s, "tok", "POST", p, c.body)
		if r.Success != c.ok || (c.ok != (r.Status == 200)) {
			t.Errorf("case %d %s: status %d success %v errors %+v", i, c.body, r.Status, r.Success, r.Errors)
		}
	}
	var srv Record
	for _, r := range s.Records(id) {
		if r.Type == "SRV" {
			srv = r
		}
	}
	if srv.Name != "_sip._tcp.example.com" || srv.Content != "2 5060 sip.example.com" || *srv.Priority != 1 {
		t.Errorf("SRV stored as %+v", srv)
	}
}

func TestPaginationAndFilters(t *testing.T) {
	s, id := newZone(t, Options{})
	for i := range 23 {
		if _, err := s.Seed(id, Record{Name: fmt.Sprintf("h%02d", i), Type: "A", Content: "192.0.2.1", TTL: 300}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for page := 1; page <= 5; page++ {
		r := call(t, s, "tok", "GET", fmt.Sprintf("/zones/%s/dns_records?per_page=10&page=%d", id, page), "")
		var recs []Record
		_ = json.Unmarshal(r.Result, &recs)
		ri := r.ResultInfo
		if ri == nil || ri.TotalCount != 23 || ri.TotalPages != 3 || ri.PerPage != 10 || ri.Count != len(recs) {
			t.Fatalf("page %d: result_info %+v", page, ri)
		}
		for _, rec := range recs {
			seen[rec.ID] = true
		}
	}
	if len(seen) != 23 {
		t.Fatalf("pages returned %d distinct records, want 23", len(seen))
	}
	if r := call(t, s, "tok", "GET", "/zones/"+id+"/dns_records?per_page=5001", ""); r.Status != 400 {
		t.Fatalf("per_page 5001: status %d", r.Status)
	}
	r := call(t, s, "tok", "GET", "/zones/"+id+"/dns_records?name=h07.example.com&type=A&content=192.0.2.1", "")
	if r.ResultInfo.TotalCount != 1 {
		t.Fatalf("filter: %+v", r.ResultInfo)
	}
}

func TestBatchIsAtomicAndLimited(t *testing.T) {
	s, id := newZone(t, Options{BatchLimit: 3})
	keep, _ := s.Seed(id, Record{Name: "a", Type: "A", Content: "192.0.2.1", TTL: 300})
	p := "/zones/" + id + "/dns_records/batch"
	// The second post is invalid: nothing of the batch may be applied.
	body := `{"deletes":[{"id":"` + keep + `"}],"posts":[{"type":"A","name":"b","content":"192.0.2.2","ttl":300},{"type":"A","name":"c","content":"bad"}]}`
	if r := call(t, s, "tok", "POST", p, body); r.Status != 400 || !strings.Contains(r.Errors[0].Message, "posts[1]") {
		t.Fatalf("invalid batch: %+v", r)
	}
	if recs := s.Records(id); len(recs) != 1 || recs[0].ID != keep {
		t.Fatalf("failed batch changed records: %+v", recs)
	}
	body = `{"deletes":[{"id":"` + keep + `"}],"posts":[{"type":"A","name":"a","content":"192.0.2.1","ttl":300},{"type":"A","name":"a","content":"192.0.2.2","ttl":60}]}`
	if r := call(t, s, "tok", "POST", p, body); !r.Success {
		t.Fatalf("delete+repost batch: %+v", r)
	}
	if recs := s.Records(id); len(recs) != 2 || recs[0].ID == keep {
		t.Fatalf("after batch: %+v", recs)
	}
	body = `{"posts":[{"type":"A","name":"x","content":"192.0.2.1"},{"type":"A","name":"y","content":"192.0.2.1"},{"type":"A","name":"z","content":"192.0.2.1"},{"type":"A","name":"w","content":"192.0.2.1"}]}`
	if r := call(t, s, "tok", "POST", p, body); r.Status != 400 {
		t.Fatalf("oversized batch: %+v", r)
	}
	if c := s.Counts(); c.Batch != 3 || c.Reads != 0 || c.Writes != 0 {
		t.Fatalf("counts %+v", c)
	}
}

func TestBudgetAndFaults(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, id := newZone(t, Options{Budget: 3, Window: time.Minute, Now: clock})
	p := "/zones/" + id + "/dns_records"
	for i := range 3 {
		if r := call(t, s, "tok", "GET", p, ""); r.Status != 200 {
			t.Fatalf("request %d: %d", i, r.Status)
		}
	}
	r := call(t, s, "tok", "GET", p, "")
	if r.Status != 429 || r.RetryAfter != "60" {
		t.Fatalf("over budget: status %d Retry-After %q", r.Status, r.RetryAfter)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if r := call(t, s, "tok", "GET", p, ""); r.Status != 200 {
		t.Fatalf("next window: %d", r.Status)
	}

	s.Inject(Fault5xx, 1)
	s.Inject(Fault429, 1)
	if r := call(t, s, "tok", "GET", p, ""); r.Status != 503 {
		t.Fatalf("injected 5xx: %d", r.Status)
	}
	if r := call(t, s, "tok", "GET", p, ""); r.Status != 429 || r.RetryAfter != "1" {
		t.Fatalf("injected 429: %d %q", r.Status, r.RetryAfter)
	}
	s.Inject(FaultDropAfter, 1)
	req, _ := http.NewRequest("POST", s.URL+p, bytes.NewReader([]byte(`{"type":"A","name":"d","content":"192.0.2.9","ttl":300}`)))
	req.Header.Set("Authorization", "Bearer tok")
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("dropped connection returned a reply")
	}
	if recs := s.Records(id); len(recs) != 1 || recs[0].Name != "d.example.com" {
		t.Fatalf("drop-after must apply the write: %+v", recs)
	}
	s.FailAfter(1)
	call(t, s, "tok", "GET", p, "")
	if r := call(t, s, "tok", "GET", p, ""); r.Status != 503 {
		t.Fatalf("fail after: %d", r.Status)
	}
}

func TestSingleRecordEndpoints(t *testing.T) {
	s, id := newZone(t, Options{})
	p := "/zones/" + id + "/dns_records"
	r := call(t, s, "tok", "POST", p, `{"type":"A","name":"www.example.com.","content":"192.0.2.1","ttl":300,"comment":"c"}`)
	var rec Record
	_ = json.Unmarshal(r.Result, &rec)
	if rec.Name != "www.example.com" || rec.TTL != 300 || rec.ID == "" {
		t.Fatalf("created %+v", rec)
	}
	// PATCH changes only the given fields.
	r = call(t, s, "tok", "PATCH", p+"/"+rec.ID, `{"ttl":600}`)
	_ = json.Unmarshal(r.Result, &rec)
	if rec.TTL != 600 || rec.Content != "192.0.2.1" || rec.Comment != "c" {
		t.Fatalf("patched %+v", rec)
	}
	// PUT replaces the record: absent fields reset (TTL to automatic, comment gone).
	r = call(t, s, "tok", "PUT", p+"/"+rec.ID, `{"type":"A","name":"www","content":"192.0.2.2"}`)
	rec = Record{}
	_ = json.Unmarshal(r.Result, &rec)
	if rec.TTL != 1 || rec.Content != "192.0.2.2" || rec.Comment != "" {
		t.Fatalf("put %+v", rec)
	}
	if r = call(t, s, "tok", "PATCH", p+"/"+rec.ID, `{"ttl":59}`); r.Status != 400 {
		t.Fatalf("bad TTL patch: %d", r.Status)
	}
	if r = call(t, s, "tok", "DELETE", p+"/"+rec.ID, ""); !r.Success {
		t.Fatalf("delete: %+v", r)
	}
	if r = call(t, s, "tok", "DELETE", p+"/"+rec.ID, ""); r.Status != 404 {
		t.Fatalf("second delete: %d", r.Status)
	}
	ro, _ := s.Seed(id, Record{Name: "@", Type: "TXT", Content: "managed", Meta: Meta{ReadOnly: true}})
	if r = call(t, s, "tok", "DELETE", p+"/"+ro, ""); r.Status != 400 {
		t.Fatalf("read-only delete: %d", r.Status)
	}
	if c := s.Counts(); c.Writes != 7 || c.Reads != 0 {
		t.Fatalf("counts %+v", c)
	}
}

func TestFaultRateIsSeeded(t *testing.T) {
	run := func() []int {
		s, id := newZone(t, Options{Budget: -1})
		s.SetFaultRate(0.5, 42, Fault5xx, Fault429)
		var out []int
		for range 20 {
			out = append(out, call(t, s, "tok", "GET", "/zones/"+id+"/dns_records", "").Status)
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	ok := 0
	for _, st := range a {
		if st == 200 {
			ok++
		} else if st != 503 && st != 429 {
			t.Fatalf("unexpected status %d", st)
		}
	}
	if ok == 0 || ok == 20 {
		t.Fatalf("fault rate 0.5 gave %d/20 successes", ok)
	}
}

func TestConcurrentUse(t *testing.T) {
	s, id := newZone(t, Options{Budget: -1})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				s.Inject(Fault5xx, 1)
				s.SetLatency(0)
				call(t, s, "tok", "POST", "/zones/"+id+"/dns_records", fmt.Sprintf(`{"type":"A","name":"w%d-%d","content":"192.0.2.1"}`, w, i))
				_ = s.Counts()
				_ = s.Records(id)
			}
		}()
	}
	wg.Wait()
	if c := s.Counts(); c.Writes != 80 {
		t.Fatalf("counts %+v", c)
	}
}
