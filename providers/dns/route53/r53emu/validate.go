package r53emu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// What a ResourceRecordSet in a change must be (botocore's route53 model and the Route 53
// Developer Guide; see the package documentation).

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
	if err := checkWildcard(name, x.Type); err != nil {
		return nil, "", err
	}
	set := &RRset{Name: name, Type: x.Type, SetIdentifier: x.SetIdentifier, Weight: x.Weight, Region: x.Region,
		Failover: x.Failover, MultiValueAnswer: x.MultiValueAnswer, HealthCheckID: x.HealthCheckID}
	if g := x.GeoLocation; g != nil {
		set.GeoLocation = &GeoLocation{g.ContinentCode, g.CountryCode, g.SubdivisionCode}
	}
	if err := checkRouting(set); err != nil {
		return nil, "", err
	}
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
	if len(x.ResourceRecords) > MaxValues {
		return nil, "", invalidBatch("RRSet with DNS name %s, type %s has %d values; the limit is %d", name, x.Type, len(x.ResourceRecords), MaxValues)
	}
	if (x.Type == "CNAME" || x.Type == "SOA") && len(x.ResourceRecords) > 1 {
		return nil, "", invalidBatch("RRSet of type %s with DNS name %s may have only one value", x.Type, name)
	}
	set.TTL = *x.TTL
	seen := map[string]bool{}
	for _, r := range x.ResourceRecords {
		v := r.Value
		if len(v) > MaxValueChars {
			return nil, "", invalidInput("1 validation error detected: Value '%.20s...' at 'changeBatch.changes.member.resourceRecordSet.resourceRecords.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", v, MaxValueChars)
		}
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

// checkWildcard applies the botocore model's rules for names: "*" must replace a whole label,
// only the leftmost one, and never for NS.
func checkWildcard(name, typ string) *batchError {
	labels, err := r53text.Labels(name, true)
	if err != nil {
		return invalidInput("Invalid domain name %q: %v", name, err)
	}
	for i, l := range labels {
		if !slices.Contains(l, '*') {
			continue
		}
		if len(l) != 1 || i > 0 {
			return invalidBatch("RRSet with DNS name %s is not permitted: the * wildcard must replace the whole leftmost label", name)
		}
		if typ == "NS" {
			return invalidBatch("RRSet of type NS with DNS name %s is not permitted: wildcard NS records are not supported", name)
		}
	}
	return nil
}

// checkRouting requires exactly one routing policy for a record set with a SetIdentifier and
// none without, and the model's ranges (Weight 0..255, Failover PRIMARY or SECONDARY).
func checkRouting(set *RRset) *batchError {
	n := 0
	for _, on := range []bool{set.Weight != nil, set.Region != "", set.Failover != "", set.GeoLocation != nil, set.MultiValueAnswer != nil} {
		if on {
			n++
		}
	}
	switch {
	case set.SetIdentifier == "" && n > 0:
		return invalidInput("A routing policy (Weight, Region, Failover, GeoLocation, MultiValueAnswer) for %s %s requires a SetIdentifier", set.Name, set.Type)
	case set.SetIdentifier != "" && n != 1:
		return invalidInput("The record set %s %s with SetIdentifier %q must have exactly one routing policy, not %d", set.Name, set.Type, set.SetIdentifier, n)
	case len(set.SetIdentifier) > 128:
		return invalidInput("SetIdentifier of %s %s is longer than 128 characters", set.Name, set.Type)
	case set.Weight != nil && (*set.Weight < 0 || *set.Weight > 255):
		return invalidInput("Weight %d of %s %s is out of range 0..255", *set.Weight, set.Name, set.Type)
	case set.Failover != "" && set.Failover != "PRIMARY" && set.Failover != "SECONDARY":
		return invalidInput("Failover %q of %s %s must be PRIMARY or SECONDARY", set.Failover, set.Name, set.Type)
	}
	return nil
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
