package cfemu

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxPerPage is the largest per_page the list endpoint accepts.
const MaxPerPage = 5000

func (s *Server) zone(w http.ResponseWriter, id string) *zoneData {
	z, ok := s.zones[id]
	if !ok {
		writeErr(w, http.StatusNotFound, 7003, "Could not route to /zones/"+id+", perhaps your object identifier is invalid?")
		return nil
	}
	return z
}

func sendErr(w http.ResponseWriter, e *cfError) { writeErr(w, e.status, e.code, e.msg) }

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeErr(w, http.StatusBadRequest, 9207, "Request body is invalid: "+err.Error())
		return false
	}
	return true
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, zoneID string) {
	q := r.URL.Query()
	page, per := 1, 100
	var err error
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			writeErr(w, http.StatusBadRequest, 1004, "page must be a positive integer")
			return
		}
	}
	if v := q.Get("per_page"); v != "" {
		if per, err = strconv.Atoi(v); err != nil || per < 1 || per > MaxPerPage {
			writeErr(w, http.StatusBadRequest, 1004, "per_page must be between 1 and 5000")
			return
		}
	}
	name := strings.ToLower(strings.TrimSuffix(cmp.Or(q.Get("name.exact"), q.Get("name")), "."))
	typ := strings.ToUpper(q.Get("type"))
	content := cmp.Or(q.Get("content.exact"), q.Get("content"))
	contains := q.Get("content.contains")
	matchAny := q.Get("match") == "any"

	s.mu.Lock()
	z := s.zone(w, zoneID)
	if z == nil {
		s.mu.Unlock()
		return
	}
	var all []Record
	for _, rec := range z.records.byID {
		checks := []bool{}
		if name != "" {
			checks = append(checks, rec.Name == name)
		}
		if typ != "" {
			checks = append(checks, rec.Type == typ)
		}
		if content != "" {
			checks = append(checks, rec.Content == content)
		}
		if contains != "" {
			checks = append(checks, strings.Contains(rec.Content, contains))
		}
		if len(checks) == 0 || (matchAny && slices.Contains(checks, true)) || (!matchAny && !slices.Contains(checks, false)) {
			all = append(all, *rec)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Content, b.Content), cmp.Compare(a.ID, b.ID))
	})
	from := min((page-1)*per, len(all))
	to := min(from+per, len(all))
	out := all[from:to]
	if out == nil {
		out = []Record{}
	}
	writeOK(w, out, &ResultInfo{Page: page, PerPage: per, Count: len(out), TotalCount: len(all), TotalPages: (len(all) + per - 1) / per})
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, zoneID string) {
	var in recordInput
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(w, zoneID)
	if z == nil {
		return
	}
	rec, e := s.doCreate(z, z.records, in)
	if e != nil {
		sendErr(w, e)
		return
	}
	writeOK(w, rec, nil)
}

func (s *Server) recordByID(w http.ResponseWriter, r *http.Request, zoneID, id string) {
	var in recordInput
	if r.Method == http.MethodPatch || r.Method == http.MethodPut {
		if !decode(w, r, &in) {
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(w, zoneID)
	if z == nil {
		return
	}
	var rec Record
	var e *cfError
	switch r.Method {
	case http.MethodGet:
		p, ok := z.records.get(id)
		if !ok {
			e = notFound()
		} else {
			rec = *p
		}
	case http.MethodPatch, http.MethodPut:
		rec, e = s.doUpdate(z, z.records, id, in, r.Method == http.MethodPut)
	case http.MethodDelete:
		rec, e = doDelete(z.records, id)
		if e == nil {
			writeOK(w, map[string]string{"id": rec.ID}, nil)
			return
		}
	default:
		e = &cfError{http.StatusMethodNotAllowed, 10000, "Method not allowed"}
	}
	if e != nil {
		sendErr(w, e)
		return
	}
	writeOK(w, rec, nil)
}

func notFound() *cfError {
	return &cfError{http.StatusNotFound, 81044, "Record does not exist."}
}

// doCreate, doUpdate and doDelete change recs; callers hold s.mu.
func (s *Server) doCreate(z *zoneData, recs *store, in recordInput) (Record, *cfError) {
	rec := merge(Record{}, in, true)
	if e := s.normalize(z, &rec); e != nil {
		return Record{}, e
	}
	if s.opts.MaxRecords > 0 && len(recs.byID) >= s.opts.MaxRecords {
		return Record{}, badRequest(81045, "Record quota exceeded.")
	}
	rec.ID = randomID()
	if e := conflicts(recs, &rec); e != nil {
		return Record{}, e
	}
	rec.ZoneID, rec.ZoneName = z.ID, z.Name
	rec.CreatedOn = time.Now().UTC()
	rec.ModifiedOn = rec.CreatedOn
	recs.put(&rec)
	return rec, nil
}

func (s *Server) doUpdate(z *zoneData, recs *store, id string, in recordInput, full bool) (Record, *cfError) {
	old, ok := recs.get(id)
	if !ok {
		return Record{}, notFound()
	}
	if old.Meta.ReadOnly {
		return Record{}, badRequest(1046, "This record is managed by Cloudflare and cannot be modified.")
	}
	rec := merge(*old, in, full)
	if e := s.normalize(z, &rec); e != nil {
		return Record{}, e
	}
	if e := conflicts(recs, &rec); e != nil {
		return Record{}, e
	}
	rec.ModifiedOn = time.Now().UTC()
	recs.put(&rec)
	return rec, nil
}

func doDelete(recs *store, id string) (Record, *cfError) {
	old, ok := recs.get(id)
	if !ok {
		return Record{}, notFound()
	}
	if old.Meta.ReadOnly {
		return Record{}, badRequest(1046, "This record is managed by Cloudflare and cannot be modified.")
	}
	recs.del(id)
	return *old, nil
}

type batchRequest struct {
	Deletes []recordInput `json:"deletes"`
	Patches []recordInput `json:"patches"`
	Puts    []recordInput `json:"puts"`
	Posts   []recordInput `json:"posts"`
}

type batchResult struct {
	Deletes []Record `json:"deletes,omitempty"`
	Patches []Record `json:"patches,omitempty"`
	Puts    []Record `json:"puts,omitempty"`
	Posts   []Record `json:"posts,omitempty"`
}

// batch executes deletes, patches, puts and posts in that order as one transaction: on any
// error nothing is applied.
func (s *Server) batch(w http.ResponseWriter, r *http.Request, zoneID string) {
	var req batchRequest
	if !decode(w, r, &req) {
		return
	}
	n := len(req.Deletes) + len(req.Patches) + len(req.Puts) + len(req.Posts)
	if n > s.opts.BatchLimit {
		writeErr(w, http.StatusBadRequest, 81062, "Batch request exceeds the limit of "+strconv.Itoa(s.opts.BatchLimit)+" operations for this zone's plan.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(w, zoneID)
	if z == nil {
		return
	}
	recs := z.records.clone()
	var res batchResult
	fail := func(op string, i int, e *cfError) {
		// A failed operation fails the whole batch with 400, naming the operation.
		writeErr(w, http.StatusBadRequest, e.code, op+"["+strconv.Itoa(i)+"]: "+e.msg)
	}
	for i, d := range req.Deletes {
		rec, e := doDelete(recs, d.ID)
		if e != nil {
			fail("deletes", i, e)
			return
		}
		res.Deletes = append(res.Deletes, rec)
	}
	for i, p := range req.Patches {
		rec, e := s.doUpdate(z, recs, p.ID, p, false)
		if e != nil {
			fail("patches", i, e)
			return
		}
		res.Patches = append(res.Patches, rec)
	}
	for i, p := range req.Puts {
		rec, e := s.doUpdate(z, recs, p.ID, p, true)
		if e != nil {
			fail("puts", i, e)
			return
		}
		res.Puts = append(res.Puts, rec)
	}
	for i, p := range req.Posts {
		rec, e := s.doCreate(z, recs, p)
		if e != nil {
			fail("posts", i, e)
			return
		}
		res.Posts = append(res.Posts, rec)
	}
	z.records = recs
	writeOK(w, res, nil)
}

// Records returns a copy of the zone's stored records, sorted by name, type and content.
func (s *Server) Records(zoneID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zones[zoneID]
	if !ok {
		return nil
	}
	out := make([]Record, 0, len(z.records.byID))
	for _, r := range z.records.byID {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Content, b.Content))
	})
	return out
}

// Seed stores rec directly (validated, but without conflict checks, faults or counters) and
// returns its ID: for pre-existing records, proxied or read-only ones in tests. rec.Name may
// be relative to the zone.
func (s *Server) Seed(zoneID string, rec Record) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zones[zoneID]
	if !ok {
		return "", notFound()
	}
	meta := rec.Meta
	if e := s.normalize(z, &rec); e != nil {
		return "", e
	}
	rec.ID, rec.ZoneID, rec.ZoneName, rec.Meta = randomID(), z.ID, z.Name, meta
	rec.CreatedOn = time.Now().UTC()
	rec.ModifiedOn = rec.CreatedOn
	z.records.put(&rec)
	return rec.ID, nil
}
