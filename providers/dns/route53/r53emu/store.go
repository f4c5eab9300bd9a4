package r53emu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// Limits of one ChangeResourceRecordSets request, as Route 53 documents them.
const (
	MaxBatchRecords = 1000  // ResourceRecord elements per request; UPSERT counts twice
	MaxBatchChars   = 32000 // characters in all Value elements; UPSERT counts twice
	MaxListItems    = 300   // ListResourceRecordSets page size cap
	MaxTTL          = 2147483647
)

// SupportedTypes are the record types Route 53 accepts.
var SupportedTypes = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS",
	"PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// RRset is one resource record set as the emulator stores and lists it.
type RRset struct {
	Name          string // as Route 53 lists it: lower-case, \ooo escapes, "*" as \052, trailing dot
	Type          string // "A", "TXT", ...
	SetIdentifier string // routing-policy identifier, "" for simple records
	TTL           int64  // unset (0) for alias records
	Values        []string
	Alias         *Alias // non-nil for alias records (then Values is empty)
}

// Alias is the target of a Route 53 alias record.
type Alias struct {
	HostedZoneID         string
	DNSName              string
	EvaluateTargetHealth bool
}

func (r RRset) clone() *RRset {
	c := r
	c.Values = slices.Clone(r.Values)
	if r.Alias != nil {
		a := *r.Alias
		c.Alias = &a
	}
	return &c
}

type setKey struct{ name, typ, id string }

type zoneData struct {
	id, name    string
	private     bool
	nameservers []string
	sets        map[setKey]*RRset
	order       map[setKey]string // sort key of each set's name
	sorted      []setKey          // nil when it must be rebuilt
}

// sortName orders names the way Route 53 lists them: by labels read from the root.
func sortName(labels [][]byte) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[len(labels)-1-i] = string(l)
	}
	return strings.Join(parts, "\x00")
}

// normName returns a name in listed form and its sort key.
func normName(name string) (string, string, error) {
	labels, err := r53text.Labels(name, true)
	if err != nil {
		return "", "", err
	}
	return r53text.R53Name(labels), sortName(labels), nil
}

func (z *zoneData) keys() []setKey {
	if z.sorted == nil {
		z.sorted = make([]setKey, 0, len(z.sets))
		for k := range z.sets {
			z.sorted = append(z.sorted, k)
		}
		slices.SortFunc(z.sorted, z.compare)
	}
	return z.sorted
}

func (z *zoneData) compare(a, b setKey) int {
	if c := strings.Compare(z.order[a], z.order[b]); c != 0 {
		return c
	}
	if c := strings.Compare(a.typ, b.typ); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func (z *zoneData) put(k setKey, order string, set *RRset) {
	if _, ok := z.sets[k]; !ok {
		z.sorted = nil
	}
	z.sets[k] = set
	z.order[k] = order
}

func (z *zoneData) remove(k setKey) {
	delete(z.sets, k)
	delete(z.order, k)
	z.sorted = nil
}

// batchError is an InvalidChangeBatch or InvalidInput rejection of a whole change request.
type batchError struct {
	code     string // "InvalidChangeBatch" or "InvalidInput"
	messages []string
}

func (e *batchError) Error() string { return e.code + ": " + strings.Join(e.messages, "; ") }

func invalidBatch(format string, args ...any) *batchError {
	return &batchError{"InvalidChangeBatch", []string{fmt.Sprintf(format, args...)}}
}

func invalidInput(format string, args ...any) *batchError {
	return &batchError{"InvalidInput", []string{fmt.Sprintf(format, args...)}}
}

type staged struct {
	key   setKey
	order string
	set   *RRset // nil: deleted
}

// applyBatch validates and applies a change batch atomically: either every change is made or
// none, as Route 53 does.
func (z *zoneData) applyBatch(changes []xmlChange) *batchError {
	if len(changes) == 0 {
		return invalidInput("ChangeBatch must contain at least one change")
	}
	records, chars := 0, 0
	for _, c := range changes {
		n, ch := len(c.RRset.ResourceRecords), 0
		for _, r := range c.RRset.ResourceRecords {
			ch += len(r.Value)
		}
		if c.Action == "UPSERT" {
			n, ch = 2*n, 2*ch
		}
		records, chars = records+n, chars+ch
	}
	if records > MaxBatchRecords {
		return invalidBatch("Number of records limit of %d exceeded: the batch has %d (UPSERT counts twice)", MaxBatchRecords, records)
	}
	if chars > MaxBatchChars {
		return invalidBatch("Value elements total %d characters, more than the limit of %d (UPSERT counts twice)", chars, MaxBatchChars)
	}
	overlay := map[setKey]staged{}
	get := func(k setKey) *RRset {
		if s, ok := overlay[k]; ok {
			return s.set
		}
		return z.sets[k]
	}
	for _, c := range changes {
		set, order, err := z.validateSet(c.RRset)
		if err != nil {
			return err
		}
		k := setKey{set.Name, set.Type, set.SetIdentifier}
		cur := get(k)
		desc := fmt.Sprintf("[name='%s', type='%s'%s]", set.Name, set.Type, setID(set.SetIdentifier))
		switch c.Action {
		case "CREATE":
			if cur != nil {
				return invalidBatch("Tried to create resource record set %s but it already exists", desc)
			}
		case "DELETE":
			if cur == nil {
				return invalidBatch("Tried to delete resource record set %s but it was not found", desc)
			}
			if !sameSet(cur, set) {
				return invalidBatch("Tried to delete resource record set %s but the values provided do not match the current values", desc)
			}
			if set.Type == "SOA" || set.Type == "NS" && set.Name == z.name {
				return invalidBatch("A HostedZone must contain exactly one SOA record and at least one NS record for the zone itself: %s cannot be deleted", desc)
			}
			overlay[k] = staged{k, order, nil}
			continue
		case "UPSERT":
		default:
			return invalidInput("Invalid action %q: expected CREATE, DELETE or UPSERT", c.Action)
		}
		if err := z.checkCNAME(set, get); err != nil {
			return err
		}
		overlay[k] = staged{k, order, set}
	}
	for k, s := range overlay {
		if s.set == nil {
			if _, ok := z.sets[k]; ok {
				z.remove(k)
			}
			continue
		}
		z.put(k, s.order, s.set)
	}
	return nil
}

func setID(id string) string {
	if id == "" {
		return ""
	}
	return ", identifier='" + id + "'"
}

// checkCNAME enforces that a CNAME is alone at its name and never at the apex.
func (z *zoneData) checkCNAME(set *RRset, get func(setKey) *RRset) *batchError {
	if set.Type == "CNAME" && set.Name == z.name {
		return invalidBatch("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", set.Name, z.name)
	}
	for _, t := range SupportedTypes {
		if t == set.Type || t != "CNAME" && set.Type != "CNAME" {
			continue
		}
		if get(setKey{set.Name, t, set.SetIdentifier}) != nil {
			return invalidBatch("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type %s with the same DNS name already exists", set.Type, set.Name, t)
		}
	}
	return nil
}

func sameSet(a, b *RRset) bool {
	if (a.Alias == nil) != (b.Alias == nil) {
		return false
	}
	if a.Alias != nil {
		return strings.EqualFold(strings.TrimSuffix(a.Alias.DNSName, "."), strings.TrimSuffix(b.Alias.DNSName, ".")) &&
			a.Alias.HostedZoneID == b.Alias.HostedZoneID && a.Alias.EvaluateTargetHealth == b.Alias.EvaluateTargetHealth
	}
	if a.TTL != b.TTL || len(a.Values) != len(b.Values) {
		return false
	}
	x, y := slices.Clone(a.Values), slices.Clone(b.Values)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// validateSet checks one ResourceRecordSet of a change and returns it in stored form.
func (z *zoneData) validateSet(x xmlRRset) (*RRset, string, *batchError) {
	name, order, err := normName(x.Name)
	if err != nil {
		return nil, "", invalidInput("Invalid domain name %q: %v", x.Name, err)
	}
	if name != z.name && !strings.HasSuffix(name, "."+z.name) {
		return nil, "", invalidBatch("RRSet with DNS name %s is not permitted in zone %s", name, z.name)
	}
	if !slices.Contains(SupportedTypes, x.Type) {
		return nil, "", invalidInput("Invalid type %q", x.Type)
	}
	set := &RRset{Name: name, Type: x.Type, SetIdentifier: x.SetIdentifier}
	if x.AliasTarget != nil {
		if x.TTL != nil || len(x.ResourceRecords) > 0 {
			return nil, "", invalidInput("An alias record set for %s must not have a TTL or resource records", name)
		}
		set.Alias = &Alias{x.AliasTarget.HostedZoneID, x.AliasTarget.DNSName, x.AliasTarget.EvaluateTargetHealth}
		return set, order, nil
	}
	if x.TTL == nil {
		return nil, "", invalidInput("TTL is required for %s %s", name, x.Type)
	}
	if *x.TTL < 0 || *x.TTL > MaxTTL {
		return nil, "", invalidInput("TTL %d for %s %s is out of range 0..%d", *x.TTL, name, x.Type, MaxTTL)
	}
	if len(x.ResourceRecords) == 0 {
		return nil, "", invalidInput("ResourceRecords must not be empty for %s %s", name, x.Type)
	}
	if (x.Type == "CNAME" || x.Type == "SOA") && len(x.ResourceRecords) > 1 {
		return nil, "", invalidBatch("RRSet of type %s with DNS name %s may have only one value", x.Type, name)
	}
	set.TTL = *x.TTL
	seen := map[string]bool{}
	for _, r := range x.ResourceRecords {
		v := r.Value
		if seen[v] {
			return nil, "", invalidBatch("Duplicate Resource Record: '%s' in %s %s", v, name, x.Type)
		}
		seen[v] = true
		if err := checkValue(x.Type, v); err != nil {
			return nil, "", invalidBatch("Invalid Resource Record: FATAL problem: %v encountered with '%s'", err, v)
		}
		set.Values = append(set.Values, v)
	}
	return set, order, nil
}

// checkValue parses a value as a record of its type, the way Route 53 validates RDATA.
func checkValue(typ, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("empty value")
	}
	rr, err := dns.NewRR("check.invalid. 300 IN " + typ + " " + r53text.FromR53Value(value))
	if err != nil {
		return fmt.Errorf("%s value does not parse", typ)
	}
	if rr == nil {
		return fmt.Errorf("%s value is empty", typ)
	}
	return nil
}

func typeOK(t string) bool {
	return t == "" || slices.Contains(SupportedTypes, t)
}
