package route53

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
	"github.com/twinzone/twinzone/providers/dns/route53/internal/r53text"
)

// group is the Route 53 encoding of one plan.Change: one or two changes that must share a
// batch.
type group struct {
	change         plan.Change
	r53            []types.Change
	records, chars int
}

type batch struct {
	groups         []*group
	records, chars int
}

func (b *batch) keys() string {
	var parts []string
	for i, g := range b.groups {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(b.groups)-3))
			break
		}
		parts = append(parts, g.change.Key().String())
	}
	return strings.Join(parts, ", ")
}

// Apply makes the changes in as few ChangeResourceRecordSets batches as Route 53's limits
// allow; see the package documentation. Changes to keys that hold alias or routing-policy
// records are refused before anything is written.
func (p *Provider) Apply(ctx context.Context, zoneName string, changes []plan.Change) (err error) {
	defer recovered(&err, p.log.Error)
	ctx, _ = p.budget(ctx)
	if len(changes) == 0 {
		return nil
	}
	zoneName = normZone(zoneName)
	id, err := p.zoneID(ctx, zoneName)
	if err != nil {
		return err
	}
	groups, err := p.encodeAll(ctx, zoneName, changes)
	if err != nil {
		return err
	}
	// Deletes first, then updates, then creates, so that a name can change type (A to CNAME)
	// even when the two changes land in different batches.
	slices.SortStableFunc(groups, func(a, b *group) int { return rank(a.change.Action) - rank(b.change.Action) })
	batches := p.pack(groups)
	var ids []string
	var done []plan.Change // the changes of the batches Route 53 accepted (provider.PartialError)
	for i, b := range batches {
		cid, maybe, err := p.submit(ctx, zoneName, id, b)
		if err != nil {
			state := "was not applied"
			if maybe {
				state = "may or may not have been applied (the outcome of an attempt is unknown)"
			}
			return provider.Partial(done, fmt.Errorf("route53: %s: change batch %d of %d (%d RRsets: %s) %s; %d earlier batches applied (%d changes): %w",
				zoneName, i+1, len(batches), len(b.groups), b.keys(), state, i, len(done), batchReasons(err)))
		}
		for _, g := range b.groups {
			done = append(done, g.change)
		}
		p.remember(zoneName, b)
		if cid != "" {
			ids = append(ids, cid)
		}
	}
	if p.cfg.WaitInSync {
		// Every batch was accepted: the changes are made even if waiting for INSYNC fails.
		return provider.Partial(done, p.waitInSync(ctx, zoneName, ids))
	}
	return nil
}

// batchReasons adds Route 53's reasons to an InvalidChangeBatch in its
// <InvalidChangeBatch><Messages> form, whose Message is only "ChangeBatch errors occurred".
func batchReasons(err error) error {
	var icb *types.InvalidChangeBatch
	if errors.As(err, &icb) && len(icb.Messages) > 0 {
		return fmt.Errorf("%w: Route 53 says: %s", err, strings.Join(icb.Messages, "; "))
	}
	return err
}

func rank(a plan.Action) int {
	switch a {
	case plan.Delete:
		return 0
	case plan.Update:
		return 1
	}
	return 2
}

// encodeAll encodes every change against the zone's latest listing (listing it first when
// this Provider never has).
func (p *Provider) encodeAll(ctx context.Context, zoneName string, changes []plan.Change) ([]*group, error) {
	p.mu.Lock()
	snap := p.snaps[zoneName]
	if snap != nil {
		defer p.mu.Unlock()
	} else {
		p.mu.Unlock()
		var err error
		if snap, err = p.list(ctx, zoneName); err != nil {
			return nil, err
		}
	}
	groups := make([]*group, 0, len(changes))
	byName := unmanagedByName(snap.unmanaged)
	for _, c := range changes {
		g, err := p.encode(zoneName, snap, byName, c)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// encode validates one change and turns it into Route 53 changes.
func (p *Provider) encode(zoneName string, snap *snapshot, byName map[string][]uint16, c plan.Change) (*group, error) {
	switch {
	case c.Action == plan.Create && c.New != nil && c.Old == nil,
		c.Action == plan.Update && c.New != nil && c.Old != nil,
		c.Action == plan.Delete && c.New == nil && c.Old != nil:
	default:
		return nil, fmt.Errorf("route53: malformed %s change", c.Action)
	}
	if c.Old != nil && c.New != nil && c.Old.Key() != c.New.Key() {
		return nil, fmt.Errorf("route53: change from %s to %s: keys differ", c.Old.Key(), c.New.Key())
	}
	k := c.Key()
	if !dns.IsSubDomain(zoneName, k.Name) {
		return nil, fmt.Errorf("route53: %s is outside zone %s", k, zoneName)
	}
	if !supportedTypes[k.Type] {
		return nil, fmt.Errorf("route53: %s: Route 53 does not support type %s", k, zone.TypeString(k.Type))
	}
	if err := checkRules(c, snap.unmanaged, byName); err != nil {
		return nil, err
	}
	if k.Type == dns.TypeNS && k.Name == zoneName && !p.cfg.ManageApexNS {
		return nil, fmt.Errorf("route53: refusing to %s the apex NS RRset of %s: apex NS is not managed (set manage_apex_ns)", c.Action, zoneName)
	}
	if k.Type == dns.TypeSOA && c.Action != plan.Update {
		return nil, fmt.Errorf("route53: cannot %s the SOA of %s: Route 53 owns it", c.Action, zoneName)
	}
	g := &group{change: c}
	if k.Type == dns.TypeSOA || k.Type == dns.TypeNS && k.Name == zoneName {
		// Route 53 never lets a zone be without its SOA or apex NS, even inside a batch.
		up, err := renderChange(types.ChangeActionUpsert, *c.New)
		if err != nil {
			return nil, err
		}
		g.add(up, 2)
		return g, p.fits(g)
	}
	if c.Old != nil {
		ch, err := p.deleteChange(snap, *c.Old)
		if err != nil {
			return nil, err
		}
		g.add(ch, 1)
	}
	if c.New != nil {
		if c.New.TTL > MaxTTL {
			return nil, fmt.Errorf("route53: %s: TTL %d above Route 53's maximum %d", k, c.New.TTL, MaxTTL)
		}
		ch, err := renderChange(types.ChangeActionCreate, *c.New)
		if err != nil {
			return nil, err
		}
		g.add(ch, 1)
	}
	if g.records > p.cfg.MaxBatchRecords || g.chars > p.cfg.MaxBatchChars {
		if c.Action == plan.Update && 2*len(c.New.Values) <= p.cfg.MaxBatchRecords {
			// Too big as DELETE+CREATE: one UPSERT (counted twice) may still fit.
			up, _ := renderChange(types.ChangeActionUpsert, *c.New)
			g = &group{change: c}
			g.add(up, 2)
		}
	}
	return g, p.fits(g)
}

func (p *Provider) fits(g *group) error {
	if g.records > p.cfg.MaxBatchRecords || g.chars > p.cfg.MaxBatchChars {
		return fmt.Errorf("route53: %s is too large for one change batch (%d records, %d value characters; limits %d and %d)",
			g.change.Key(), g.records, g.chars, p.cfg.MaxBatchRecords, p.cfg.MaxBatchChars)
	}
	return nil
}

func (g *group) add(c types.Change, weight int) {
	g.r53 = append(g.r53, c)
	g.records += weight * len(c.ResourceRecordSet.ResourceRecords)
	for _, r := range c.ResourceRecordSet.ResourceRecords {
		g.chars += weight * len(aws.ToString(r.Value))
	}
}

// deleteChange is the DELETE of old: Route 53 wants the values exactly as it holds them, so
// the listed form is used when the latest listing matches old.
func (p *Provider) deleteChange(snap *snapshot, old zone.RRset) (types.Change, error) {
	if e, ok := snap.sets[old.Key()]; ok && sameContent(e.canon, old) {
		raw := types.ResourceRecordSet{Name: e.raw.Name, Type: e.raw.Type, TTL: e.raw.TTL, ResourceRecords: e.raw.ResourceRecords}
		return types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &raw}, nil
	}
	return renderChange(types.ChangeActionDelete, old)
}

func renderChange(action types.ChangeAction, s zone.RRset) (types.Change, error) {
	name, err := r53text.ToR53Name(s.Name)
	if err != nil {
		return types.Change{}, fmt.Errorf("route53: %s: %w", s.Key(), err)
	}
	if len(s.Values) == 0 {
		return types.Change{}, fmt.Errorf("route53: %s: empty RRset", s.Key())
	}
	set := &types.ResourceRecordSet{Name: aws.String(name), Type: types.RRType(s.TypeString()), TTL: aws.Int64(int64(s.TTL))}
	for _, v := range s.Values {
		set.ResourceRecords = append(set.ResourceRecords, types.ResourceRecord{Value: aws.String(r53text.ToR53Value(v))})
	}
	return types.Change{Action: action, ResourceRecordSet: set}, nil
}

// pack fills batches greedily in order, each up to the configured limits.
func (p *Provider) pack(groups []*group) []*batch {
	var out []*batch
	cur := &batch{}
	for _, g := range groups {
		full := p.cfg.MaxBatchChanges > 0 && len(cur.groups) >= p.cfg.MaxBatchChanges
		if len(cur.groups) > 0 && (full || cur.records+g.records > p.cfg.MaxBatchRecords || cur.chars+g.chars > p.cfg.MaxBatchChars) {
			out = append(out, cur)
			cur = &batch{}
		}
		cur.groups = append(cur.groups, g)
		cur.records += g.records
		cur.chars += g.chars
	}
	if len(cur.groups) > 0 {
		out = append(out, cur)
	}
	return out
}

// submit sends one batch and returns its change ID. When Route 53 rejects a retry of a batch
// whose earlier attempt may have been applied, the zone is re-read: if every change of the
// batch is in effect, the batch succeeded. On error, maybe tells whether the batch might
// have been applied all the same.
func (p *Provider) submit(ctx context.Context, zoneName, id string, b *batch) (cid string, maybe bool, err error) {
	var changes []types.Change
	for _, g := range b.groups {
		changes = append(changes, g.r53...)
	}
	in := &r53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(id),
		ChangeBatch: &types.ChangeBatch{Changes: changes, Comment: aws.String("twinzone")}}
	var out *r53.ChangeResourceRecordSetsOutput
	err, ambiguous := p.callAmbiguous(ctx, "ChangeResourceRecordSets", true, func(ctx context.Context) (err error) {
		out, err = p.client.ChangeResourceRecordSets(ctx, in)
		return err
	})
	if err == nil {
		return aws.ToString(out.ChangeInfo.Id), false, nil
	}
	var icb *types.InvalidChangeBatch
	if ambiguous && errors.As(err, &icb) && ctx.Err() == nil {
		done, verr := p.inEffect(ctx, zoneName, b)
		if verr == nil && done {
			p.log.InfoContext(ctx, "route53: change batch was applied by an attempt whose reply was lost", "zone", zoneName, "rrsets", len(b.groups))
			return "", false, nil
		}
		if verr != nil {
			return "", true, fmt.Errorf("%w (checking whether an earlier attempt applied it failed: %v)", err, verr)
		}
		return "", false, err
	}
	return "", ambiguous, err
}

// inEffect re-reads the zone and reports whether every change of b is in effect.
func (p *Provider) inEffect(ctx context.Context, zoneName string, b *batch) (bool, error) {
	snap, err := p.list(ctx, zoneName)
	if err != nil {
		return false, err
	}
	for _, g := range b.groups {
		e, ok := snap.sets[g.change.Key()]
		if g.change.New == nil {
			if ok {
				return false, nil
			}
			continue
		}
		if !ok || !sameContent(e.canon, *g.change.New) {
			return false, nil
		}
	}
	return true, nil
}

// remember updates the zone's snapshot with an applied batch, so that a later Apply that
// deletes these RRsets sends exactly what Route 53 holds.
func (p *Provider) remember(zoneName string, b *batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	snap := p.snaps[zoneName]
	if snap == nil {
		return
	}
	for _, g := range b.groups {
		k := g.change.Key()
		delete(snap.sets, k)
		if g.change.New != nil {
			last := g.r53[len(g.r53)-1].ResourceRecordSet
			snap.sets[k] = entry{raw: *last, canon: *g.change.New}
		}
	}
}

// waitInSync polls each change until Route 53 reports it INSYNC.
func (p *Provider) waitInSync(ctx context.Context, zoneName string, ids []string) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.InSyncTimeout)
	defer cancel()
	for _, cid := range ids {
		for {
			var out *r53.GetChangeOutput
			err := p.call(ctx, "GetChange", func(ctx context.Context) (err error) {
				out, err = p.client.GetChange(ctx, &r53.GetChangeInput{Id: aws.String(cid)})
				return err
			})
			if err != nil {
				return fmt.Errorf("route53: %s: changes applied, waiting for INSYNC of %s: %w", zoneName, cid, err)
			}
			if out.ChangeInfo.Status == types.ChangeStatusInsync {
				break
			}
			t := time.NewTimer(p.cfg.PollInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("route53: %s: changes applied, not yet INSYNC: %w", zoneName, ctx.Err())
			case <-t.C:
			}
		}
	}
	return nil
}
