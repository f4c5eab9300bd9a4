package r53emu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// Limits of one ChangeResourceRecordSets request, as Route 53 documents them.
const (
	MaxBatchRecords = 1000  // ResourceRecord elements per request; UPSERT counts twice
	MaxBatchChars   = 32000 // characters in all Value elements; UPSERT counts twice
	MaxListItems    = 300   // ListResourceRecordSets page size cap
	MaxValueChars   = 4000  // characters in one Value (the model's RData shape)
	MaxValues       = 400   // values in one record set (Developer Guide, Quotas)
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
	// Routing policy of a record set with a SetIdentifier: exactly one of Weight, Region,
	// Failover, GeoLocation and MultiValueAnswer is set, as Route 53 requires.
	Weight           *int64
	Region           string // latency
	Failover         string // PRIMARY or SECONDARY
	GeoLocation      *GeoLocation
	MultiValueAnswer *bool
	HealthCheckID    string
}

// GeoLocation is a geolocation routing policy.
type GeoLocation struct {
	ContinentCode, CountryCode, SubdivisionCode string
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
	if r.Weight != nil {
		w := *r.Weight
		c.Weight = &w
	}
	if r.GeoLocation != nil {
		g := *r.GeoLocation
		c.GeoLocation = &g
	}
	if r.MultiValueAnswer != nil {
		m := *r.MultiValueAnswer
		c.MultiValueAnswer = &m
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
	byName      map[string]map[setKey]bool
}

// sortName is the key Route 53 sorts names by: the labels reversed, as listed, each followed
// by "." ("com.example.www."), compared in ASCII, so that "a-b" sorts before "a" (the botocore
// model's ListResourceRecordSets documentation: '-' is below '.').
func sortName(labels [][]byte) string {
	var b strings.Builder
	for i := len(labels) - 1; i >= 0; i-- {
		l := r53text.R53Name(labels[i : i+1])
		b.WriteString(l)
	}
	return b.String()
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
	if z.byName == nil {
		z.byName = map[string]map[setKey]bool{}
	}
	if z.byName[k.name] == nil {
		z.byName[k.name] = map[setKey]bool{}
	}
	z.byName[k.name][k] = true
}

func (z *zoneData) remove(k setKey) {
	delete(z.sets, k)
	delete(z.order, k)
	delete(z.byName[k.name], k)
	if len(z.byName[k.name]) == 0 {
		delete(z.byName, k.name)
	}
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
		if err := z.checkCNAME(set, overlay); err != nil {
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

// checkCNAME enforces that a CNAME is never at the apex and shares its name with no record of
// another type, whatever the routing policy (set identifier) of either; and that a name and
// type hold either one simple record set or only routing-policy ones.
func (z *zoneData) checkCNAME(set *RRset, overlay map[setKey]staged) *batchError {
	if set.Type == "CNAME" && set.Name == z.name {
		return invalidBatch("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", set.Name, z.name)
	}
	for k, other := range z.atName(set.Name, overlay) {
		switch {
		case k.typ != set.Type && (k.typ == "CNAME" || set.Type == "CNAME"):
			return invalidBatch("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type %s with the same DNS name already exists", set.Type, set.Name, k.typ)
		case k.typ == set.Type && k.id != set.SetIdentifier && (k.id == "" || set.SetIdentifier == ""):
			return invalidBatch("RRSet with DNS name %s, type %s cannot be created: a %s record set with the same name and type already exists",
				set.Name, set.Type, map[bool]string{true: "simple", false: "routing-policy"}[other.SetIdentifier == ""])
		}
	}
	return nil
}

// atName returns the record sets at name, with the batch's staged changes applied.
func (z *zoneData) atName(name string, overlay map[setKey]staged) map[setKey]*RRset {
	out := map[setKey]*RRset{}
	for k := range z.byName[name] {
		out[k] = z.sets[k]
	}
	for k, s := range overlay {
		if k.name != name {
			continue
		}
		if s.set == nil {
			delete(out, k)
		} else {
			out[k] = s.set
		}
	}
	return out
}

func sameSet(a, b *RRset) bool {
	if (a.Alias == nil) != (b.Alias == nil) || !sameRouting(a, b) {
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

// sameRouting compares the routing policy of two record sets: a DELETE must name it exactly.
func sameRouting(a, b *RRset) bool {
	eqInt := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqBool := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqGeo := func(x, y *GeoLocation) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eqInt(a.Weight, b.Weight) && a.Region == b.Region && a.Failover == b.Failover &&
		eqGeo(a.GeoLocation, b.GeoLocation) && eqBool(a.MultiValueAnswer, b.MultiValueAnswer) && a.HealthCheckID == b.HealthCheckID
}
