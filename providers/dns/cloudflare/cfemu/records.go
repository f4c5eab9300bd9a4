package cfemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Record is a DNS record as Cloudflare stores and returns it. Name is the absolute owner name
// without trailing dot, lower-case.
type Record struct {
	ID         string    `json:"id"`
	ZoneID     string    `json:"zone_id"`
	ZoneName   string    `json:"zone_name"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Content    string    `json:"content"`
	Priority   *int      `json:"priority,omitempty"`
	Proxiable  bool      `json:"proxiable"`
	Proxied    bool      `json:"proxied"`
	TTL        int       `json:"ttl"`
	Data       *Data     `json:"data,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	Tags       []string  `json:"tags"`
	Meta       Meta      `json:"meta"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

// Data holds the structured fields of the types Cloudflare takes as data (cloudflare-go v6
// <TYPE>RecordData). Flags is a number for CAA and DNSKEY and a string for NAPTR.
type Data struct {
	Flags    json.RawMessage `json:"flags,omitempty"`    // CAA, DNSKEY (number), NAPTR (string)
	Tag      string          `json:"tag,omitempty"`      // CAA
	Value    string          `json:"value,omitempty"`    // CAA value; HTTPS/SVCB parameters
	Priority *int            `json:"priority,omitempty"` // SRV, HTTPS, SVCB
	Weight   *int            `json:"weight,omitempty"`   // SRV, URI
	Port     *int            `json:"port,omitempty"`     // SRV
	Target   string          `json:"target,omitempty"`   // SRV, HTTPS, SVCB, URI

	KeyTag       *int   `json:"key_tag,omitempty"`       // DS, CERT
	Algorithm    *int   `json:"algorithm,omitempty"`     // DS, SSHFP, CERT, DNSKEY
	DigestType   *int   `json:"digest_type,omitempty"`   // DS
	Digest       string `json:"digest,omitempty"`        // DS
	Usage        *int   `json:"usage,omitempty"`         // TLSA, SMIMEA
	Selector     *int   `json:"selector,omitempty"`      // TLSA, SMIMEA
	MatchingType *int   `json:"matching_type,omitempty"` // TLSA, SMIMEA
	Certificate  string `json:"certificate,omitempty"`   // TLSA, SMIMEA (hex), CERT (base64)

	Type        *int   `json:"type,omitempty"`        // SSHFP fingerprint type, CERT type
	Fingerprint string `json:"fingerprint,omitempty"` // SSHFP
	Protocol    *int   `json:"protocol,omitempty"`    // DNSKEY
	PublicKey   string `json:"public_key,omitempty"`  // DNSKEY

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

// Meta is Cloudflare's record metadata. ReadOnly records are managed by Cloudflare itself
// (for example Email Routing) and refuse writes.
type Meta struct {
	AutoAdded           bool   `json:"auto_added"`
	ReadOnly            bool   `json:"read_only,omitempty"`
	ManagedByApps       bool   `json:"managed_by_apps,omitempty"`
	ManagedByArgoTunnel bool   `json:"managed_by_argo_tunnel,omitempty"`
	Source              string `json:"source,omitempty"`
}

// recordInput is a record in a request body; nil fields are absent (PATCH keeps them).
type recordInput struct {
	ID       string    `json:"id"`
	Name     *string   `json:"name"`
	Type     *string   `json:"type"`
	Content  *string   `json:"content"`
	TTL      *int      `json:"ttl"`
	Priority *int      `json:"priority"`
	Proxied  *bool     `json:"proxied"`
	Data     *Data     `json:"data"`
	Comment  *string   `json:"comment"`
	Tags     *[]string `json:"tags"`
}

// cfError is a Cloudflare API error with its HTTP status.
type cfError struct {
	status, code int
	msg          string
}

func (e *cfError) Error() string { return fmt.Sprintf("%d: %s", e.code, e.msg) }

func badRequest(code int, format string, a ...any) *cfError {
	return &cfError{http.StatusBadRequest, code, fmt.Sprintf(format, a...)}
}

// merge applies in over base (a copy); full (POST, PUT) resets absent fields.
func merge(base Record, in recordInput, full bool) Record {
	r := base
	if full {
		r.Name, r.Type, r.Content, r.TTL, r.Priority, r.Proxied, r.Data, r.Comment, r.Tags = "", "", "", 1, nil, false, nil, "", []string{}
	}
	if in.Tags != nil {
		r.Tags = slices.Clone(*in.Tags)
	}
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Type != nil {
		r.Type = *in.Type
	}
	if in.Content != nil {
		r.Content = *in.Content
	}
	if in.TTL != nil {
		r.TTL = *in.TTL
	}
	if in.Priority != nil {
		p := *in.Priority
		r.Priority = &p
	}
	if in.Proxied != nil {
		r.Proxied = *in.Proxied
	}
	if in.Data != nil {
		d := *in.Data
		r.Data = &d
	}
	if in.Comment != nil {
		r.Comment = *in.Comment
	}
	return r
}

// normalize validates r for zone z and puts it into the form Cloudflare stores.
func (s *Server) normalize(z *zoneData, r *Record) *cfError {
	if e := checkAttributes(r); e != nil {
		return e
	}
	r.Type = strings.ToUpper(r.Type)
	r.Name = strings.ToLower(strings.TrimSuffix(r.Name, "."))
	switch {
	case r.Name == "":
		return badRequest(9008, "DNS record name is required")
	case r.Name == "@":
		r.Name = z.Name
	case r.Name != z.Name && !strings.HasSuffix(r.Name, "."+z.Name):
		r.Name += "." + z.Name
	}
	if _, ok := dns.IsDomainName(r.Name); !ok {
		return badRequest(9008, "DNS record name %q is invalid", r.Name)
	}
	if r.TTL == 0 {
		r.TTL = 1
	}
	if r.TTL != 1 && (r.TTL < s.opts.MinTTL || r.TTL > 86400) {
		return badRequest(9021, "Invalid TTL. Must be between %d and 86400 seconds, or 1 for Automatic.", s.opts.MinTTL)
	}
	r.Proxiable = r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME"
	if r.Proxied {
		if !r.Proxiable {
			return badRequest(9004, "This record type cannot be proxied.")
		}
		r.TTL = 1
	}
	if r.Type != "MX" && r.Type != "SRV" && r.Type != "HTTPS" && r.Type != "SVCB" && r.Type != "URI" {
		r.Priority = nil
	}
	switch r.Type {
	case "A", "AAAA":
		ip, err := netip.ParseAddr(strings.TrimSpace(r.Content))
		if err != nil || (r.Type == "A") != ip.Is4() || ip.Zone() != "" {
			return badRequest(9005, "Content for %s record must be a valid IPv%s address.", r.Type, map[bool]string{true: "4", false: "6"}[r.Type == "A"])
		}
		r.Content = ip.String()
	case "CNAME", "NS", "PTR":
		h, ok := hostname(r.Content)
		if !ok {
			return badRequest(9007, "Content for %s record is invalid.", r.Type)
		}
		r.Content = h
		if r.Type == "NS" && r.Name == z.Name && !s.opts.MultiProvider {
			return badRequest(1004, "Apex NS records can only be managed with multi-provider DNS enabled on this zone.")
		}
	case "MX":
		if r.Priority == nil || *r.Priority < 0 || *r.Priority > 65535 {
			return badRequest(9101, "MX priority is required and must be between 0 and 65535.")
		}
		if h, ok := hostname(r.Content); ok {
			r.Content = h
		} else if strings.TrimSpace(r.Content) == "." { // null MX (RFC 7505)
			r.Content = "."
		} else {
			return badRequest(9007, "Content for MX record is invalid.")
		}
	case "TXT":
		if r.Content == "" {
			return badRequest(9009, "Content for TXT record is invalid.")
		}
		if e := wireSize(r); e != nil {
			return e
		}
	case "SRV":
		return s.normalizeSRV(r)
	case "CAA":
		return normalizeCAA(r)
	case "HTTPS", "SVCB":
		return normalizeSVCB(r)
	case "DS":
		d := r.Data
		if d == nil || !intIn(d.KeyTag, 0, 65535) || !intIn(d.Algorithm, 0, 255) || !intIn(d.DigestType, 0, 255) || !isHex(d.Digest) {
			return badRequest(9101, "DS records require data {key_tag, algorithm, digest_type, digest (hex)}.")
		}
		r.Data = &Data{KeyTag: d.KeyTag, Algorithm: d.Algorithm, DigestType: d.DigestType, Digest: strings.ToUpper(d.Digest)}
		r.Content = fmt.Sprintf("%d %d %d %s", *d.KeyTag, *d.Algorithm, *d.DigestType, r.Data.Digest)
		return nil
	case "TLSA":
		d := r.Data
		if d == nil || !intIn(d.Usage, 0, 255) || !intIn(d.Selector, 0, 255) || !intIn(d.MatchingType, 0, 255) || !isHex(d.Certificate) {
			return badRequest(9101, "TLSA records require data {usage, selector, matching_type, certificate (hex)}.")
		}
		r.Data = &Data{Usage: d.Usage, Selector: d.Selector, MatchingType: d.MatchingType, Certificate: strings.ToLower(d.Certificate)}
		r.Content = fmt.Sprintf("%d %d %d %s", *d.Usage, *d.Selector, *d.MatchingType, r.Data.Certificate)
		return nil
	case "SSHFP", "NAPTR", "URI", "CERT", "SMIMEA", "LOC", "DNSKEY":
		return normalizeData(r)
	case "OPENPGPKEY":
		if _, err := dns.NewRR(". 1 IN OPENPGPKEY " + r.Content); err != nil || strings.TrimSpace(r.Content) == "" {
			return badRequest(9101, "Content for OPENPGPKEY record must be a base64 public key.")
		}
		r.Data = nil
		return wireSize(r)
	default:
		return badRequest(9000, "DNS record type %q is invalid or not supported.", r.Type)
	}
	r.Data = nil
	return nil
}

// wireSize refuses a record over 4,096 bytes in wire format (Cloudflare's "DNS record types"
// reference: "Each DNS record has a maximum wire format size of 4,096 bytes").
func wireSize(r *Record) *cfError {
	rr, err := dns.NewRR(r.Name + ". 1 IN " + r.Type + " " + r.Content)
	if err != nil || rr == nil {
		return badRequest(9009, "Content for %s record is invalid.", r.Type)
	}
	if n := dns.Len(rr); n > 4096 {
		return badRequest(9009, "Content for %s record is invalid: %d bytes in wire format, more than 4096.", r.Type, n)
	}
	return nil
}

// identity is what makes two records identical for Cloudflare.
func identity(r *Record) string {
	p := ""
	if r.Priority != nil {
		p = strconv.Itoa(*r.Priority)
	}
	return r.Name + "|" + r.Type + "|" + p + "|" + r.Content
}

// MaxContentPerName is the combined content length of the records with one name and type
// (Cloudflare's "DNS record types" reference: "their combined content length must not exceed
// 8,192 characters").
const MaxContentPerName = 8192

// conflicts checks r against the other records of the zone.
func conflicts(recs *store, r *Record) *cfError {
	id := identity(r)
	total := len(r.Content)
	for _, o := range recs.atName(r.Name) {
		if o.ID != r.ID && o.Type == r.Type {
			total += len(o.Content)
		}
	}
	if total > MaxContentPerName {
		return badRequest(9009, "The combined content of the %s records at %s is %d characters, more than %d.", r.Type, r.Name, total, MaxContentPerName)
	}
	for _, o := range recs.atName(r.Name) {
		if o.ID == r.ID {
			continue
		}
		if identity(o) == id {
			return badRequest(81058, "An identical record already exists.")
		}
		if r.Type == "CNAME" || o.Type == "CNAME" {
			return badRequest(81053, "An A, AAAA, or CNAME record with that host already exists.")
		}
	}
	return nil
}
