package cfemu

import (
	"maps"
	"slices"
)

// store holds a zone's records by ID, indexed by name. Batches work on a clone: the maps are
// copied and the per-name slices are never changed in place (copy on write), so a failed
// batch leaves the original untouched.
type store struct {
	byID   map[string]*Record
	byName map[string][]string
}

func newStore() *store { return &store{byID: map[string]*Record{}, byName: map[string][]string{}} }

func (s *store) clone() *store { return &store{maps.Clone(s.byID), maps.Clone(s.byName)} }

func (s *store) get(id string) (*Record, bool) { r, ok := s.byID[id]; return r, ok }

func (s *store) put(r *Record) {
	if old, ok := s.byID[r.ID]; ok && old.Name != r.Name {
		s.unindex(old.Name, r.ID)
	}
	if _, ok := s.byID[r.ID]; !ok || !slices.Contains(s.byName[r.Name], r.ID) {
		s.byName[r.Name] = append(slices.Clone(s.byName[r.Name]), r.ID)
	}
	s.byID[r.ID] = r
}

func (s *store) del(id string) {
	if old, ok := s.byID[id]; ok {
		s.unindex(old.Name, id)
		delete(s.byID, id)
	}
}

func (s *store) unindex(name, id string) {
	ids := slices.DeleteFunc(slices.Clone(s.byName[name]), func(x string) bool { return x == id })
	if len(ids) == 0 {
		delete(s.byName, name)
		return
	}
	s.byName[name] = ids
}

// atName returns the records with that owner name.
func (s *store) atName(name string) []*Record {
	ids := s.byName[name]
	out := make([]*Record, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.byID[id])
	}
	return out
}
