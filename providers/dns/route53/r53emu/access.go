package r53emu

import (
	"fmt"
	"strings"
)

// AddZone creates a hosted zone with Route 53's default SOA and four NS records and returns
// its ID (without the "/hostedzone/" prefix).
func (s *Server) AddZone(name string, private bool) (string, error) {
	n, _, err := normName(name)
	if err != nil {
		return "", fmt.Errorf("r53emu: zone name: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("Z%013d", s.seq)
	ns := []string{
		fmt.Sprintf("ns-%d.awsdns-%02d.com.", s.seq%2048, s.seq%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.net.", (s.seq+512)%2048, (s.seq+1)%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.org.", (s.seq+1024)%2048, (s.seq+2)%64),
		fmt.Sprintf("ns-%d.awsdns-%02d.co.uk.", (s.seq+1536)%2048, (s.seq+3)%64),
	}
	z := &zoneData{id: id, name: n, private: private, nameservers: ns,
		sets: map[setKey]*RRset{}, order: map[setKey]string{}}
	_, order, _ := normName(n)
	z.put(setKey{n, "SOA", ""}, order, &RRset{Name: n, Type: "SOA", TTL: 900,
		Values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}})
	z.put(setKey{n, "NS", ""}, order, &RRset{Name: n, Type: "NS", TTL: 172800, Values: append([]string(nil), ns...)})
	s.zones[id] = z
	return id, nil
}

func (s *Server) zone(id string) (*zoneData, error) {
	z := s.zones[strings.TrimPrefix(id, "/hostedzone/")]
	if z == nil {
		return nil, fmt.Errorf("r53emu: no hosted zone %q", id)
	}
	return z, nil
}

// NameServers returns the zone's delegation set.
func (s *Server) NameServers(zoneID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(zoneID)
	if err != nil {
		return nil
	}
	return append([]string(nil), z.nameservers...)
}

// RRsets returns a copy of every record set of the zone, in Route 53's listing order.
func (s *Server) RRsets(zoneID string) []RRset {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(zoneID)
	if err != nil {
		return nil
	}
	out := make([]RRset, 0, len(z.sets))
	for _, k := range z.keys() {
		out = append(out, *z.sets[k].clone())
	}
	return out
}

// Get returns one record set (name in any escaping; the simple-routing set).
func (s *Server) Get(zoneID, name, typ string) (RRset, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(zoneID)
	if err != nil {
		return RRset{}, false
	}
	n, _, err := normName(name)
	if err != nil {
		return RRset{}, false
	}
	set := z.sets[setKey{n, typ, ""}]
	if set == nil {
		return RRset{}, false
	}
	return *set.clone(), true
}

// Put stores a record set directly, bypassing the API and its validation of values (use it
// to seed alias records or records made by someone else). It replaces a set of the same key.
func (s *Server) Put(zoneID string, set RRset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(zoneID)
	if err != nil {
		return err
	}
	n, order, err := normName(set.Name)
	if err != nil {
		return fmt.Errorf("r53emu: %w", err)
	}
	c := set.clone()
	c.Name = n
	z.put(setKey{n, set.Type, set.SetIdentifier}, order, c)
	return nil
}

// Delete removes a record set directly; it reports whether it existed.
func (s *Server) Delete(zoneID, name, typ string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zone(zoneID)
	if err != nil {
		return false
	}
	n, _, err := normName(name)
	if err != nil {
		return false
	}
	k := setKey{n, typ, ""}
	if _, ok := z.sets[k]; !ok {
		return false
	}
	z.remove(k)
	return true
}
