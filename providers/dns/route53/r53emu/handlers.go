package r53emu

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func parseMaxItems(r *http.Request, def, cap int) (int, bool) {
	v := r.URL.Query().Get("maxitems")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, cap), true
}

func zoneXML(z *zoneData) xmlHostedZone {
	return xmlHostedZone{ID: "/hostedzone/" + z.id, Name: z.name, CallerReference: "r53emu-" + z.id,
		Config: xmlZoneConfig{PrivateZone: z.private}, RRsetCount: len(z.sets)}
}

func (s *Server) listZonesByName(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	maxItems, ok := parseMaxItems(r, 100, 100)
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidInput", "maxitems must be a positive integer")
		return
	}
	start, startOrder := "", ""
	if n := q.Get("dnsname"); n != "" {
		var err error
		if start, startOrder, err = normName(n); err != nil {
			writeError(w, http.StatusBadRequest, "InvalidDomainName", err.Error())
			return
		}
	}
	startID := strings.TrimPrefix(q.Get("hostedzoneid"), "/hostedzone/")
	s.mu.Lock()
	defer s.mu.Unlock()
	zs := make([]*zoneData, 0, len(s.zones))
	for _, z := range s.zones {
		_, order, _ := normName(z.name)
		if start == "" || order > startOrder || order == startOrder && z.id >= startID {
			zs = append(zs, z)
		}
	}
	slices.SortFunc(zs, func(a, b *zoneData) int {
		_, oa, _ := normName(a.name)
		_, ob, _ := normName(b.name)
		if c := strings.Compare(oa, ob); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	resp := xmlListZonesByNameResponse{Xmlns: xmlns, DNSName: start, MaxItems: maxItems}
	for i, z := range zs {
		if i == maxItems {
			resp.IsTruncated, resp.NextDNSName, resp.NextHostedZoneID = true, z.name, z.id
			break
		}
		resp.HostedZones = append(resp.HostedZones, zoneXML(z))
	}
	writeXML(w, http.StatusOK, resp)
}

func (s *Server) getZone(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[id]
	if z == nil {
		writeError(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+id)
		return
	}
	writeXML(w, http.StatusOK, xmlGetZoneResponse{Xmlns: xmlns, HostedZone: zoneXML(z), NameServers: z.nameservers})
}

func rrsetXML(set *RRset) xmlRRset {
	x := xmlRRset{Name: set.Name, Type: set.Type, SetIdentifier: set.SetIdentifier, Weight: set.Weight,
		Region: set.Region, Failover: set.Failover, MultiValueAnswer: set.MultiValueAnswer, HealthCheckID: set.HealthCheckID}
	if g := set.GeoLocation; g != nil {
		x.GeoLocation = &xmlGeoLocation{g.ContinentCode, g.CountryCode, g.SubdivisionCode}
	}
	if set.Alias != nil {
		x.AliasTarget = &xmlAliasTarget{set.Alias.HostedZoneID, set.Alias.DNSName, set.Alias.EvaluateTargetHealth}
		return x
	}
	ttl := set.TTL
	x.TTL = &ttl
	for _, v := range set.Values {
		x.ResourceRecords = append(x.ResourceRecords, xmlRecord{v})
	}
	return x
}

func (s *Server) listRRsets(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	maxItems, ok := parseMaxItems(r, MaxListItems, MaxListItems)
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidInput", "maxitems must be a positive integer")
		return
	}
	startName, startType, startID := q.Get("name"), q.Get("type"), q.Get("identifier")
	if startType != "" && startName == "" || !typeOK(startType) {
		writeError(w, http.StatusBadRequest, "InvalidInput", "type requires name and must be a supported type")
		return
	}
	startOrder := ""
	if startName != "" {
		var err error
		if _, startOrder, err = normName(startName); err != nil {
			writeError(w, http.StatusBadRequest, "InvalidInput", "invalid name: "+err.Error())
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[id]
	if z == nil {
		writeError(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+id)
		return
	}
	keys := z.keys()
	i := 0
	if startName != "" {
		i, _ = slices.BinarySearchFunc(keys, startOrder, func(k setKey, _ string) int {
			if c := strings.Compare(z.order[k], startOrder); c != 0 {
				return c
			}
			if c := strings.Compare(k.typ, startType); c != 0 {
				return c
			}
			return strings.Compare(k.id, startID)
		})
	}
	resp := xmlListRRsetsResponse{Xmlns: xmlns, MaxItems: maxItems}
	for ; i < len(keys); i++ {
		k := keys[i]
		if len(resp.RRsets) == maxItems {
			resp.IsTruncated, resp.NextRecordName, resp.NextRecordType, resp.NextRecordIdentifier = true, k.name, k.typ, k.id
			break
		}
		resp.RRsets = append(resp.RRsets, rrsetXML(z.sets[k]))
	}
	writeXML(w, http.StatusOK, resp)
}

func (s *Server) changeRRsets(w http.ResponseWriter, r *http.Request, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidInput", "cannot read body")
		return
	}
	var req xmlChangeRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidInput", "malformed ChangeResourceRecordSetsRequest: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[id]
	if z == nil {
		writeError(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+id)
		return
	}
	if berr := z.applyBatch(req.Changes); berr != nil {
		if berr.code == "InvalidChangeBatch" && s.legacyICB {
			writeXML(w, http.StatusBadRequest, xmlInvalidChangeBatch{Xmlns: xmlns, Messages: berr.messages, RequestID: "r53emu"})
			return
		}
		msg := strings.Join(berr.messages, "; ")
		if berr.code == "InvalidChangeBatch" {
			msg = "[" + strings.Join(berr.messages, ", ") + "]"
		}
		writeError(w, http.StatusBadRequest, berr.code, msg)
		return
	}
	s.seq++
	c := &change{id: fmt.Sprintf("C%013d", s.seq), submitted: time.Now().UTC(), pending: s.pendingPolls}
	s.changes[c.id] = c
	writeXML(w, http.StatusOK, xmlChangeResponse{Xmlns: xmlns, ChangeInfo: changeXML(c, req.Comment)})
}

func changeXML(c *change, comment string) xmlChangeInfo {
	status := "INSYNC"
	if c.pending > 0 {
		status = "PENDING"
	}
	return xmlChangeInfo{ID: "/change/" + c.id, Status: status, Comment: comment,
		SubmittedAt: c.submitted.Format("2006-01-02T15:04:05.000Z")}
}

func (s *Server) getChange(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.changes[id]
	if c == nil {
		writeError(w, http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist: "+id)
		return
	}
	info := changeXML(c, "")
	if c.pending > 0 {
		c.pending--
	}
	writeXML(w, http.StatusOK, xmlGetChangeResponse{Xmlns: xmlns, ChangeInfo: info})
}
