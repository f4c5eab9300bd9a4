package route53

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// entry is one listed RRset: as Route 53 sent it, and in canonical form.
type entry struct {
	raw   types.ResourceRecordSet
	canon zone.RRset
}

// snapshot is the result of the latest full listing of a zone.
type snapshot struct {
	sets      map[zone.Key]entry
	unmanaged map[zone.Key]string // reason
}

func normZone(z string) string { return strings.ToLower(dns.Fqdn(z)) }

// Records lists every RRset of the zone (300 per request) in canonical form. Alias,
// routing-policy and traffic-policy records are left out and reported by Unmanaged.
func (p *Provider) Records(ctx context.Context, zoneName string) (out []zone.RRset, err error) {
	defer recovered(&err, p.log.Error)
	ctx, _ = p.budget(ctx)
	snap, err := p.list(ctx, normZone(zoneName))
	if err != nil {
		return nil, err
	}
	out = make([]zone.RRset, 0, len(snap.sets))
	for _, e := range snap.sets {
		out = append(out, e.canon)
	}
	zone.Sort(out)
	return out, nil
}

// Unmanaged reports the RRsets Records left out, as of the latest listing of the zone by this
// Provider; it lists the zone only when there has been none.
func (p *Provider) Unmanaged(ctx context.Context, zoneName string) (out []provider.UnmanagedRRset, err error) {
	defer recovered(&err, p.log.Error)
	ctx, _ = p.budget(ctx)
	zoneName = normZone(zoneName)
	p.mu.Lock()
	snap := p.snaps[zoneName]
	if snap != nil {
		for k, reason := range snap.unmanaged {
			out = append(out, provider.UnmanagedRRset{Key: k, Reason: reason})
		}
	}
	p.mu.Unlock()
	if snap == nil {
		if snap, err = p.list(ctx, zoneName); err != nil {
			return nil, err
		}
		for k, reason := range snap.unmanaged {
			out = append(out, provider.UnmanagedRRset{Key: k, Reason: reason})
		}
	}
	slices.SortFunc(out, func(a, b provider.UnmanagedRRset) int { return a.Key.Compare(b.Key) })
	return out, nil
}

func (s *snapshot) clone() *snapshot {
	return &snapshot{sets: maps.Clone(s.sets), unmanaged: maps.Clone(s.unmanaged)}
}

// list reads the whole zone and publishes a copy of the result as the zone's snapshot; the
// returned snapshot is the caller's own. The published one is guarded by p.mu.
func (p *Provider) list(ctx context.Context, zoneName string) (*snapshot, error) {
	id, err := p.zoneID(ctx, zoneName)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{sets: map[zone.Key]entry{}, unmanaged: map[zone.Key]string{}}
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(pageSize)}
	for page := 0; ; page++ {
		if page > 1_000_000 {
			return nil, fmt.Errorf("route53: listing %s does not end", zoneName)
		}
		var out *r53.ListResourceRecordSetsOutput
		err := p.call(ctx, "ListResourceRecordSets", func(ctx context.Context) (err error) {
			out, err = p.client.ListResourceRecordSets(ctx, in)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("route53: list %s (page %d): %w", zoneName, page+1, err)
		}
		for _, s := range out.ResourceRecordSets {
			if err := p.addListed(ctx, snap, zoneName, s); err != nil {
				return nil, err
			}
		}
		if !out.IsTruncated {
			break
		}
		if out.NextRecordName == nil {
			return nil, fmt.Errorf("route53: list %s: truncated page without NextRecordName", zoneName)
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier
	}
	p.mu.Lock()
	p.snaps[zoneName] = snap.clone()
	p.mu.Unlock()
	return snap, nil
}

func (p *Provider) addListed(ctx context.Context, snap *snapshot, zoneName string, s types.ResourceRecordSet) error {
	name, err := r53text.FromR53Name(aws.ToString(s.Name))
	if err != nil {
		return fmt.Errorf("route53: zone %s lists a bad name: %w", zoneName, err)
	}
	typ, ok := dns.StringToType[string(s.Type)]
	key := zone.Key{Name: name, Type: typ}
	reason := ""
	switch {
	case !ok:
		key.Type = 0
		reason = fmt.Sprintf("record type %s is not understood", s.Type)
	case s.AliasTarget != nil:
		reason = fmt.Sprintf("Route 53 alias record to %s (hosted zone %s); twinzone never overwrites or deletes alias records",
			aws.ToString(s.AliasTarget.DNSName), aws.ToString(s.AliasTarget.HostedZoneId))
	case s.SetIdentifier != nil:
		reason = fmt.Sprintf("Route 53 routing-policy record (set identifier %q); twinzone manages simple records only", aws.ToString(s.SetIdentifier))
	case s.TrafficPolicyInstanceId != nil:
		reason = "record created by a Route 53 traffic policy"
	}
	if reason != "" {
		if _, seen := snap.unmanaged[key]; !seen {
			p.log.WarnContext(ctx, "route53: leaving record unmanaged", "zone", zoneName, "name", name, "type", string(s.Type), "reason", reason)
		}
		snap.unmanaged[key] = reason
		delete(snap.sets, key)
		return nil
	}
	ttl := aws.ToInt64(s.TTL)
	if ttl < 0 || ttl > math.MaxUint32 {
		return fmt.Errorf("route53: %s %s has TTL %d", name, s.Type, ttl)
	}
	set := zone.RRset{Name: name, Type: typ, TTL: uint32(ttl)}
	for _, r := range s.ResourceRecords {
		v, err := canonicalValue(name, typ, r53text.FromR53Value(aws.ToString(r.Value)))
		if err != nil {
			return fmt.Errorf("route53: %s %s: %w", name, s.Type, err)
		}
		set.Values = append(set.Values, v)
	}
	slices.Sort(set.Values)
	set.Values = slices.Compact(set.Values)
	snap.sets[key] = entry{raw: s, canon: set}
	return nil
}

// canonicalValue parses a presentation-format value (decimal escapes) and prints it the way
// zone files yield it.
func canonicalValue(name string, typ uint16, v string) (string, error) {
	rr, err := zone.NewRR(name, 0, typ, v)
	if err != nil || rr == nil {
		return "", fmt.Errorf("value %q does not parse: %v", v, err)
	}
	return zone.CanonicalValue(rr), nil
}

// sameContent compares RRsets after twinzone's plan normalisation (TXT chunking), the way a
// plan's Old RRset relates to what Records returned.
func sameContent(a, b zone.RRset) bool {
	if a.Key() != b.Key() || a.TTL != b.TTL {
		return false
	}
	return slices.Equal(normValues(a), normValues(b))
}

func normValues(s zone.RRset) []string {
	vs := slices.Clone(s.Values)
	if s.Type == dns.TypeTXT || s.Type == dns.TypeSPF {
		for i, v := range vs {
			vs[i] = zone.CanonicalTXT(v)
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}
