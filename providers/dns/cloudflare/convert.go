package cloudflare

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/zone"
)

// record is a DNS record as the Cloudflare API sends and takes it (field names from
// cloudflare-go v6 dns.RecordResponse, generated from Cloudflare's OpenAPI spec). Comment and
// Tags are never sent by twinzone: a patch leaves them as they are.
type record struct {
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name,omitempty"`
	Type     string   `json:"type,omitempty"`
	Content  string   `json:"content,omitempty"`
	TTL      int      `json:"ttl,omitempty"`
	Priority *int     `json:"priority,omitempty"`
	Proxied  *bool    `json:"proxied,omitempty"`
	Data     *cfData  `json:"data,omitempty"`
	Comment  string   `json:"comment,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Meta     *cfMeta  `json:"meta,omitempty"`
	// Locked marks a record Cloudflare does not let the API change (older API versions).
	Locked bool `json:"locked,omitempty"`
}

// cfMeta is the part of a record's meta that says who manages it. The v6 SDK types meta as
// free-form; read_only is what Cloudflare documents for records it manages (Email Routing,
// for one), managed_by_apps and managed_by_argo_tunnel mark records an app or a tunnel owns.
type cfMeta struct {
	ReadOnly            bool   `json:"read_only,omitempty"`
	ManagedByApps       bool   `json:"managed_by_apps,omitempty"`
	ManagedByArgoTunnel bool   `json:"managed_by_argo_tunnel,omitempty"`
	Source              string `json:"source,omitempty"`
}

// managed says why Cloudflare (or an app or tunnel) owns r, "" when twinzone may change it.
func (r record) managed() string {
	switch {
	case r.Meta != nil && r.Meta.ReadOnly:
		return "managed by Cloudflare (meta.read_only)"
	case r.Meta != nil && r.Meta.ManagedByApps:
		return "managed by a Cloudflare app (meta.managed_by_apps)"
	case r.Meta != nil && r.Meta.ManagedByArgoTunnel:
		return "managed by a Cloudflare Tunnel (meta.managed_by_argo_tunnel)"
	case r.Locked:
		return "locked by Cloudflare"
	}
	return ""
}

// cfData is the structured content of a record (cloudflare-go v6 <TYPE>RecordData). Flags is
// a number for CAA and DNSKEY and a string for NAPTR, so it is kept raw.
type cfData struct {
	Flags    json.RawMessage `json:"flags,omitempty"`
	Tag      string          `json:"tag,omitempty"`
	Value    string          `json:"value,omitempty"`
	Priority *int            `json:"priority,omitempty"`
	Weight   *int            `json:"weight,omitempty"`
	Port     *int            `json:"port,omitempty"`
	Target   string          `json:"target,omitempty"`

	KeyTag       *int   `json:"key_tag,omitempty"`
	Algorithm    *int   `json:"algorithm,omitempty"`
	DigestType   *int   `json:"digest_type,omitempty"`
	Digest       string `json:"digest,omitempty"`
	Usage        *int   `json:"usage,omitempty"`
	Selector     *int   `json:"selector,omitempty"`
	MatchingType *int   `json:"matching_type,omitempty"`
	Certificate  string `json:"certificate,omitempty"`

	DataType    *int   `json:"type,omitempty"` // SSHFP fingerprint type, CERT type
	Fingerprint string `json:"fingerprint,omitempty"`
	Protocol    *int   `json:"protocol,omitempty"`
	PublicKey   string `json:"public_key,omitempty"`

	Order       *int   `json:"order,omitempty"` // NAPTR
	Preference  *int   `json:"preference,omitempty"`
	Service     string `json:"service,omitempty"`
	Regex       string `json:"regex,omitempty"`
	Replacement string `json:"replacement,omitempty"`

	LatDegrees    *float64 `json:"lat_degrees,omitempty"` // LOC
	LatMinutes    *float64 `json:"lat_minutes,omitempty"`
	LatSeconds    *float64 `json:"lat_seconds,omitempty"`
	LatDirection  string   `json:"lat_direction,omitempty"`
	LongDegrees   *float64 `json:"long_degrees,omitempty"`
	LongMinutes   *float64 `json:"long_minutes,omitempty"`
	LongSeconds   *float64 `json:"long_seconds,omitempty"`
	LongDirection string   `json:"long_direction,omitempty"`
	Altitude      *float64 `json:"altitude,omitempty"`
	Size          *float64 `json:"size,omitempty"`
	PrecisionHorz *float64 `json:"precision_horz,omitempty"`
	PrecisionVert *float64 `json:"precision_vert,omitempty"`
}

// supported are the record types this adapter reads and writes: every type Cloudflare's
// API takes (cloudflare-go v6 dns.RecordResponseType) but apex NS, which is Cloudflare's own.
var supported = map[uint16]bool{
	dns.TypeA: true, dns.TypeAAAA: true, dns.TypeCNAME: true, dns.TypeMX: true, dns.TypeTXT: true,
	dns.TypeSRV: true, dns.TypeCAA: true, dns.TypeHTTPS: true, dns.TypeSVCB: true, dns.TypeNS: true,
	dns.TypePTR: true, dns.TypeDS: true, dns.TypeTLSA: true,
	dns.TypeSSHFP: true, dns.TypeNAPTR: true, dns.TypeURI: true, dns.TypeCERT: true, dns.TypeSMIMEA: true,
	dns.TypeLOC: true, dns.TypeOPENPGPKEY: true, dns.TypeDNSKEY: true,
}

func intp(v int) *int { return &v }

func fqdn(host string) string {
	if host == "" || host == "." {
		return "."
	}
	return strings.ToLower(strings.TrimSuffix(host, ".")) + "."
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// key and canonical value of a Cloudflare record.
func (r record) parse() (zone.Key, string, error) {
	t, ok := dns.StringToType[r.Type]
	if !ok || !supported[t] {
		return zone.Key{}, "", fmt.Errorf("unsupported type %q", r.Type)
	}
	name := fqdn(r.Name)
	var v string
	switch t {
	case dns.TypeA, dns.TypeAAAA:
		v = r.Content
	case dns.TypeCNAME, dns.TypeNS, dns.TypePTR:
		v = fqdn(r.Content)
	case dns.TypeMX:
		v = fmt.Sprintf("%d %s", deref(r.Priority), fqdn(r.Content))
	case dns.TypeTXT:
		v = txtValue(r.Content)
	case dns.TypeSRV:
		if r.Data == nil {
			return zone.Key{}, "", fmt.Errorf("SRV record %s without data", r.ID)
		}
		v = fmt.Sprintf("%d %d %d %s", deref(r.Data.Priority), deref(r.Data.Weight), deref(r.Data.Port), fqdn(r.Data.Target))
	case dns.TypeCAA:
		if r.Data == nil {
			return zone.Key{}, "", fmt.Errorf("CAA record %s without data", r.ID)
		}
		caa := &dns.CAA{Hdr: dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET}, Flag: uint8(flagsInt(r.Data.Flags)), Tag: r.Data.Tag, Value: r.Data.Value}
		return zone.Key{Name: name, Type: t}, zone.CanonicalValue(caa), nil
	case dns.TypeDS:
		if r.Data == nil {
			return zone.Key{}, "", fmt.Errorf("DS record %s without data", r.ID)
		}
		v = fmt.Sprintf("%d %d %d %s", deref(r.Data.KeyTag), deref(r.Data.Algorithm), deref(r.Data.DigestType), r.Data.Digest)
	case dns.TypeTLSA:
		if r.Data == nil {
			return zone.Key{}, "", fmt.Errorf("TLSA record %s without data", r.ID)
		}
		v = fmt.Sprintf("%d %d %d %s", deref(r.Data.Usage), deref(r.Data.Selector), deref(r.Data.MatchingType), r.Data.Certificate)
	case dns.TypeHTTPS, dns.TypeSVCB:
		if r.Data != nil {
			v = strings.TrimSpace(fmt.Sprintf("%d %s %s", deref(r.Data.Priority), fqdn(r.Data.Target), r.Data.Value))
		} else {
			v = r.Content
		}
	case dns.TypeOPENPGPKEY:
		v = r.Content
	default:
		if r.Data == nil {
			return zone.Key{}, "", fmt.Errorf("%s record %s without data", r.Type, r.ID)
		}
		v = dataValue(t, r)
	}
	rr, err := zone.NewRR(name, 300, t, v)
	if err != nil {
		return zone.Key{}, "", fmt.Errorf("record %s (%s %s): %w", r.ID, name, r.Type, err)
	}
	return zone.Key{Name: name, Type: t}, zone.CanonicalValue(rr), nil
}

// txtValue turns Cloudflare TXT content into presentation format: content that is already a
// sequence of quoted strings is kept, anything else is one text split at 255 bytes.
func txtValue(content string) string {
	if strings.HasPrefix(content, `"`) {
		if rr, err := dns.NewRR(". 300 IN TXT " + content); err == nil {
			if txt, ok := rr.(*dns.TXT); ok && len(txt.Txt) > 0 {
				return zone.CanonicalValue(txt)
			}
		}
	}
	return zone.TextToTXT(content)
}

// toRecord builds the API record for one canonical value of an RRset.
func toRecord(name string, t uint16, ttl uint32, value string) (record, error) {
	r := record{Name: strings.TrimSuffix(name, "."), Type: zone.TypeString(t), TTL: int(ttl)}
	if !supported[t] {
		return r, fmt.Errorf("type %s is not supported by Cloudflare adapter", r.Type)
	}
	rr, err := zone.NewRR(name, ttl, t, value)
	if err != nil {
		return r, err
	}
	host := func(s string) string {
		if s == "." {
			return s
		}
		return strings.TrimSuffix(s, ".")
	}
	switch v := rr.(type) {
	case *dns.A:
		r.Content = v.A.String()
	case *dns.AAAA:
		r.Content = v.AAAA.String()
	case *dns.CNAME:
		r.Content = host(v.Target)
	case *dns.NS:
		r.Content = host(v.Ns)
	case *dns.PTR:
		r.Content = host(v.Ptr)
	case *dns.MX:
		r.Content, r.Priority = host(v.Mx), intp(int(v.Preference))
	case *dns.TXT:
		// Quoted presentation strings: Cloudflare serves each as one character-string.
		r.Content = zone.CanonicalValue(v)
	case *dns.SRV:
		r.Data = &cfData{Priority: intp(int(v.Priority)), Weight: intp(int(v.Weight)), Port: intp(int(v.Port)), Target: host(v.Target)}
	case *dns.CAA:
		r.Data = &cfData{Flags: rawInt(int(v.Flag)), Tag: v.Tag, Value: v.Value}
	case *dns.DS:
		r.Data = &cfData{KeyTag: intp(int(v.KeyTag)), Algorithm: intp(int(v.Algorithm)), DigestType: intp(int(v.DigestType)), Digest: v.Digest}
	case *dns.TLSA:
		r.Data = &cfData{Usage: intp(int(v.Usage)), Selector: intp(int(v.Selector)), MatchingType: intp(int(v.MatchingType)), Certificate: v.Certificate}
	case *dns.HTTPS:
		r.Data = svcbData(zone.CanonicalValue(v))
	case *dns.SVCB:
		r.Data = svcbData(zone.CanonicalValue(v))
	case *dns.OPENPGPKEY:
		r.Content = v.PublicKey
	case *dns.URI:
		r.Priority, r.Data = intp(int(v.Priority)), &cfData{Weight: intp(int(v.Weight)), Target: v.Target}
	default:
		d, ok := toData(rr)
		if !ok {
			return r, fmt.Errorf("type %s is not supported by Cloudflare adapter", r.Type)
		}
		r.Data = d
	}
	return r, nil
}

func svcbData(v string) *cfData {
	f := strings.SplitN(v, " ", 3)
	if len(f) < 2 {
		return &cfData{Priority: intp(0), Target: "."}
	}
	d := &cfData{Target: f[1]}
	if d.Target != "." {
		d.Target = strings.TrimSuffix(d.Target, ".")
	}
	var prio int
	fmt.Sscan(f[0], &prio)
	d.Priority = intp(prio)
	if len(f) == 3 {
		d.Value = f[2]
	}
	return d
}
