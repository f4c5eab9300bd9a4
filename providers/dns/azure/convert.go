package azure

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// Types are the record types of Azure DNS's API (2018-05-01) twinzone writes.
var Types = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeMX, dns.TypeNS, dns.TypePTR, dns.TypeSRV, dns.TypeTXT}

// properties is a record set's properties: the TTL and one typed list per record type.
type properties struct {
	TTL   uint32         `json:"TTL"`
	FQDN  string         `json:"fqdn,omitempty"`
	A     []aRecord      `json:"ARecords,omitempty"`
	AAAA  []aaaaRecord   `json:"AAAARecords,omitempty"`
	CAA   []caaRecord    `json:"caaRecords,omitempty"`
	CNAME *cnameRecord   `json:"CNAMERecord,omitempty"`
	MX    []mxRecord     `json:"MXRecords,omitempty"`
	NS    []nsRecord     `json:"NSRecords,omitempty"`
	PTR   []ptrRecord    `json:"PTRRecords,omitempty"`
	SRV   []srvRecord    `json:"SRVRecords,omitempty"`
	TXT   []txtRecord    `json:"TXTRecords,omitempty"`
	SOA   map[string]any `json:"SOARecord,omitempty"`
}

type aRecord struct {
	IPv4 string `json:"ipv4Address"`
}
type aaaaRecord struct {
	IPv6 string `json:"ipv6Address"`
}
type caaRecord struct {
	Flags int    `json:"flags"`
	Tag   string `json:"tag"`
	Value string `json:"value"`
}
type cnameRecord struct {
	CNAME string `json:"cname"`
}
type mxRecord struct {
	Preference int    `json:"preference"`
	Exchange   string `json:"exchange"`
}
type nsRecord struct {
	NSDName string `json:"nsdname"`
}
type ptrRecord struct {
	PTRDName string `json:"ptrdname"`
}
type srvRecord struct {
	Priority int    `json:"priority"`
	Weight   int    `json:"weight"`
	Port     int    `json:"port"`
	Target   string `json:"target"`
}
type txtRecord struct {
	Value []string `json:"value"`
}

// values returns the presentation values of p's records of type t.
func (p *properties) values(t uint16) []string {
	var out []string
	switch t {
	case dns.TypeA:
		for _, r := range p.A {
			out = append(out, r.IPv4)
		}
	case dns.TypeAAAA:
		for _, r := range p.AAAA {
			out = append(out, r.IPv6)
		}
	case dns.TypeCAA:
		for _, r := range p.CAA {
			out = append(out, strconv.Itoa(r.Flags)+" "+r.Tag+" "+zone.QuoteTXT([]string{r.Value}))
		}
	case dns.TypeCNAME:
		if p.CNAME != nil {
			out = append(out, dns.Fqdn(p.CNAME.CNAME))
		}
	case dns.TypeMX:
		for _, r := range p.MX {
			out = append(out, strconv.Itoa(r.Preference)+" "+dns.Fqdn(r.Exchange))
		}
	case dns.TypeNS:
		for _, r := range p.NS {
			out = append(out, dns.Fqdn(r.NSDName))
		}
	case dns.TypePTR:
		for _, r := range p.PTR {
			out = append(out, dns.Fqdn(r.PTRDName))
		}
	case dns.TypeSRV:
		for _, r := range p.SRV {
			out = append(out, fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, dns.Fqdn(r.Target)))
		}
	case dns.TypeTXT:
		for _, r := range p.TXT {
			out = append(out, zone.QuoteTXT(r.Value))
		}
	}
	return out
}

// fromRRset builds the properties of s; it refuses what Azure's JSON cannot hold.
func fromRRset(s *zone.RRset) (properties, error) {
	p := properties{TTL: s.TTL}
	for _, v := range s.Values {
		rr, err := zone.NewRR(s.Name, s.TTL, s.Type, v)
		if err != nil {
			return p, err
		}
		switch x := rr.(type) {
		case *dns.A:
			p.A = append(p.A, aRecord{x.A.String()})
		case *dns.AAAA:
			p.AAAA = append(p.AAAA, aaaaRecord{x.AAAA.String()})
		case *dns.CAA:
			p.CAA = append(p.CAA, caaRecord{int(x.Flag), x.Tag, x.Value})
		case *dns.CNAME:
			if p.CNAME != nil {
				return p, fmt.Errorf("more than one CNAME value")
			}
			p.CNAME = &cnameRecord{x.Target}
		case *dns.MX:
			p.MX = append(p.MX, mxRecord{int(x.Preference), x.Mx})
		case *dns.NS:
			p.NS = append(p.NS, nsRecord{x.Ns})
		case *dns.PTR:
			p.PTR = append(p.PTR, ptrRecord{x.Ptr})
		case *dns.SRV:
			p.SRV = append(p.SRV, srvRecord{int(x.Priority), int(x.Weight), int(x.Port), x.Target})
		case *dns.TXT:
			strs := zone.DecodeTXT(v)
			for _, str := range strs {
				if !utf8.ValidString(str) || strings.ContainsRune(str, 0) {
					return p, fmt.Errorf("TXT value %s holds bytes Azure's JSON API cannot carry (invalid UTF-8 or NUL)", v)
				}
			}
			p.TXT = append(p.TXT, txtRecord{strs})
		default:
			return p, fmt.Errorf("type %s is not one Azure DNS holds", zone.TypeString(s.Type))
		}
	}
	return p, nil
}
