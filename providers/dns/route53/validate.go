package route53

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// Route 53's rules for one record set (botocore's route53 model: RData max 4000; the Route 53
// Developer Guide: "Quotas" and "DNS domain name format").
const (
	MaxValueChars = 4000 // characters in one Value (RData), as sent
	MaxValues     = 400  // values in one record set
)

var _ provider.Validator = (*Provider)(nil)

// maxValidateErrors bounds the refusals one Validate reports.
const maxValidateErrors = 20

// Validate refuses, before anything is written, every change Route 53 would refuse by its
// documented rules: a value over 4,000 characters, more than 400 values in one RRset, "*"
// anywhere but as the whole leftmost label, a wildcard NS, a CNAME at a name holding alias or
// routing-policy records (or another type beside such a CNAME), and any change to an alias,
// routing-policy or traffic-policy RRset. It uses the zone's latest listing (from Records).
func (p *Provider) Validate(_ context.Context, zoneName string, pl *plan.Plan) error {
	zoneName = normZone(zoneName)
	p.mu.Lock()
	var unmanaged map[zone.Key]string
	if snap := p.snaps[zoneName]; snap != nil {
		unmanaged = snap.unmanaged
	}
	byName := unmanagedByName(unmanaged)
	p.mu.Unlock()
	var errs []error
	for _, c := range pl.Changes {
		if err := checkRules(c, unmanaged, byName); err != nil {
			errs = append(errs, err)
			if len(errs) == maxValidateErrors {
				errs = append(errs, fmt.Errorf("route53: (further refusals not listed)"))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// unmanagedByName indexes the types of unmanaged RRsets by owner name.
func unmanagedByName(unmanaged map[zone.Key]string) map[string][]uint16 {
	out := map[string][]uint16{}
	for k := range unmanaged {
		out[k.Name] = append(out[k.Name], k.Type)
	}
	return out
}

// checkRules is Route 53's verdict on one change; byName lists the types of the unmanaged
// (alias, routing-policy, traffic-policy) RRsets at each name.
func checkRules(c plan.Change, unmanaged map[zone.Key]string, byName map[string][]uint16) error {
	k := c.Key()
	if reason, ok := unmanaged[k]; ok {
		return fmt.Errorf("route53: refusing to %s %s: it is a %s; remove it from the zone file or add it to ignore", c.Action, k, reason)
	}
	if c.New == nil {
		return nil
	}
	if err := checkName(k); err != nil {
		return err
	}
	if len(c.New.Values) > MaxValues {
		return fmt.Errorf("route53: %s has %d values; Route 53 holds at most %d in one record set", k, len(c.New.Values), MaxValues)
	}
	for _, v := range c.New.Values {
		if n := len(r53text.ToR53Value(v)); n > MaxValueChars {
			return fmt.Errorf("route53: %s has a value of %d characters; Route 53 takes at most %d (%.40s...)", k, n, MaxValueChars, v)
		}
	}
	for _, t := range byName[k.Name] {
		if t != k.Type && (t == dns.TypeCNAME || k.Type == dns.TypeCNAME) {
			return fmt.Errorf("route53: %s cannot be written: %s holds a Route 53 %s %s record (%s), and a CNAME shares its name with no other record",
				k, k.Name, kindOf(unmanaged[zone.Key{Name: k.Name, Type: t}]), zone.TypeString(t), unmanaged[zone.Key{Name: k.Name, Type: t}])
		}
	}
	return nil
}

// kindOf names the kind of an unmanaged RRset from its reason.
func kindOf(reason string) string {
	for _, kind := range []string{"alias", "routing-policy", "traffic policy"} {
		if strings.Contains(reason, kind) {
			return kind
		}
	}
	return "managed"
}

// checkName applies Route 53's wildcard rules: "*" only as the whole leftmost label, and never
// for NS.
func checkName(k zone.Key) error {
	labels, err := r53text.Labels(k.Name, false)
	if err != nil {
		return fmt.Errorf("route53: %s: %w", k, err)
	}
	for i, l := range labels {
		if !slices.Contains(l, '*') {
			continue
		}
		if len(l) != 1 {
			return fmt.Errorf("route53: %s: Route 53 takes \"*\" only as a whole label (a wildcard), not inside a label", k)
		}
		if i > 0 {
			return fmt.Errorf("route53: %s: Route 53 takes \"*\" only as the leftmost label of a name (a wildcard), not as a middle label", k)
		}
		if k.Type == dns.TypeNS {
			return fmt.Errorf("route53: %s: Route 53 refuses wildcard NS records", k)
		}
	}
	return nil
}
