package plan

import (
	"errors"
	"fmt"
	"slices"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Options say which records of a zone twinzone manages on one provider, and how that provider
// stores them.
type Options struct {
	// Provider names the provider in the plan (Plan.Provider), for rendering and errors.
	Provider string
	// Origin is the zone apex ("example.com."). When empty, the owner of the desired SOA is used.
	Origin string
	// Traits are the provider's limits and normalisations.
	Traits Traits
	// ManageApexNS pushes the zone file's apex NS RRset; it takes effect only when the provider
	// allows it (Traits.ApexNSManaged).
	ManageApexNS bool
	// Ignore rules keep matching RRsets unmanaged on both sides.
	Ignore []IgnoreRule
	// Unmanaged keys are RRsets the provider serves but twinzone must not touch (for example
	// Route 53 alias records): left alone and reported in Plan.Unmanaged.
	Unmanaged []zone.Key
	// UnmanagedReasons optionally says why a key in Unmanaged is (the provider's reason), for
	// Plan.Unmanaged.
	UnmanagedReasons map[zone.Key]string
	// Stamp, when set, makes the sync stamp part of the desired state: a TXT RRset at
	// StampName(Origin) holding StampValue(Stamp) with TTL StampTTL. When zero, an existing
	// stamp is left alone.
	Stamp stamp.Stamp
}

// Plan is what must change on one provider so that it serves the desired records.
type Plan struct {
	Provider string // name of the provider, for rendering
	Origin   string // zone apex
	// Changes in canonical key order, each replacing one whole RRset. The sync stamp, when it
	// changes, is among them (see IsStamp).
	Changes []Change
	// Existing counts the managed RRsets currently on the provider (the stamp excluded).
	Existing int
	// Unmanaged lists RRsets left alone although they exist or are desired, with the reason.
	Unmanaged []Skipped
	// Ignored counts RRsets (desired or current) that matched an ignore rule.
	Ignored int
	Counts  Counts
	// VerifyOnly marks the plan of a verify-only provider (one twinzone reads but never
	// writes, fed by zone transfer): its changes are what it has not transferred yet.
	VerifyOnly bool
	// Error is set when the provider could not be read or planned (see Failed): the plan then
	// has no changes, and every renderer shows it as an error row, so a report never shows
	// only the provider that worked.
	Error string
}

// Failed is the plan of a provider that could not be read or planned.
func Failed(origin, provider string, err error) *Plan {
	return &Plan{Origin: origin, Provider: provider, Error: err.Error()}
}

// Counts sums a plan's changes by action.
type Counts struct {
	Create, Update, Delete int
}

// Total is the number of changes.
func (c Counts) Total() int { return c.Create + c.Update + c.Delete }

// Skipped is an RRset a plan leaves alone, and why.
type Skipped struct {
	Key    zone.Key
	Reason string
}

// Empty reports whether the provider already serves the desired records.
func (p *Plan) Empty() bool { return p == nil || len(p.Changes) == 0 }

// IsStamp reports whether the change touches the sync stamp of the plan's zone.
func (p *Plan) IsStamp(c Change) bool {
	k := c.Key()
	return k.Type == dns.TypeTXT && k.Name == StampName(p.Origin)
}

// Split separates the stamp change (nil when the stamp is unchanged) from the others.
func (p *Plan) Split() (records []Change, stamp *Change) {
	records = make([]Change, 0, len(p.Changes))
	for i := range p.Changes {
		if p.IsStamp(p.Changes[i]) {
			stamp = &p.Changes[i]
			continue
		}
		records = append(records, p.Changes[i])
	}
	return records, stamp
}

// ErrPlan marks errors in the desired data for one provider (for example a record type the
// provider cannot hold).
var ErrPlan = errors.New("plan error")

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPlan, fmt.Sprintf(format, args...))
}

// Calculate compares desired with current records and returns the changes that turn current
// into desired on a provider described by opts. It is pure: no I/O, and neither input is
// modified. Both inputs are best given in canonical order (zone.Sort); other orders are
// sorted on a copy. RRsets with the same key in one input are merged (values united, lowest
// TTL).
//
// Never managed: SOA; apex NS unless opts.ManageApexNS and opts.Traits.ApexNSManaged; records
// a signing server generates (RRSIG, NSEC, NSEC3, NSEC3PARAM, SIG, NXT, BIND's TYPE65534 at the apex)
// and the apex DNSKEY, CDS and CDNSKEY (each provider signs with its own keys); keys matching opts.Ignore; opts.Unmanaged
// keys. The stamp RRset is twinzone's own: any stamp in
// desired is replaced by the one opts.Stamp defines.
//
// Before comparing, both sides are normalised for the provider: names lower-case and absolute,
// TXT values canonically chunked (zone.CanonicalTXT), target names lower-case and absolute, desired
// TTLs clamped to the provider's range, and a desired TTL equal to Traits.AutoTTL matching any
// TTL. New RRsets in the plan are the normalised desired ones, so a plan computed after they
// are applied is empty.
func Calculate(desired, current []zone.RRset, opts Options) (*Plan, error) {
	// Inputs are usually in canonical order already (Parse and providers' Records return it):
	// use them as they are and check the order on the way, which costs no extra comparison
	// (group compares each RRset with the next anyway); sort copies only when that fails.
	if p, sorted, err := calculate(desired, current, opts); sorted {
		return p, err
	}
	p, _, err := calculate(zone.Sorted(desired), zone.Sorted(current), opts)
	return p, err
}

// calculate is Calculate for inputs in canonical order; sorted is false (and nothing else
// is returned) when one is not.
func calculate(d, cur []zone.RRset, opts Options) (_ *Plan, sorted bool, _ error) {
	c, err := newCalc(d, opts)
	if err != nil {
		return nil, true, err
	}
	var perr []error
	i, j := 0, 0
	for i < len(d) || j < len(cur) {
		var dk, ck *zone.RRset
		switch {
		case i >= len(d):
			ck = &cur[j]
		case j >= len(cur):
			dk = &d[i]
		default:
			switch x := compareKeys(&d[i], &cur[j]); {
			case x < 0:
				dk = &d[i]
			case x > 0:
				ck = &cur[j]
			default:
				dk, ck = &d[i], &cur[j]
			}
		}
		var ds, cs zone.RRset
		hasD, hasC, inOrder := false, false, true
		if dk != nil {
			ds, i, hasD, inOrder = groupChecked(d, i)
		}
		if ck != nil && inOrder {
			cs, j, hasC, inOrder = groupChecked(cur, j)
		}
		if !inOrder {
			return nil, false, nil
		}
		if err := c.compare(ds, hasD, cs, hasC); err != nil {
			if len(perr) < 20 {
				perr = append(perr, err)
			}
		}
	}
	if len(perr) > 0 {
		return nil, true, errors.Join(perr...)
	}
	c.finishStamp()
	return c.p, true, nil
}

// group merges the RRsets with the same key starting at sets[i] into one canonical RRset (the
// union of the values, the lowest TTL) and returns it with the index after the group. ok is false for an empty RRset.
func group(sets []zone.RRset, i int) (zone.RRset, int, bool) {
	s, j, ok, _ := groupChecked(sets, i)
	return s, j, ok
}

// groupChecked is group that also reports whether the RRset after the group sorts after it
// (false: sets is not in canonical order, and the group may be incomplete).
func groupChecked(sets []zone.RRset, i int) (s zone.RRset, next int, ok, inOrder bool) {
	s = canonicalSet(sets[i])
	j := i + 1
	for ; j < len(sets); j++ {
		c := compareKeys(&sets[i], &sets[j])
		if c > 0 {
			return s, j, false, false
		}
		if c < 0 {
			break
		}
		o := canonicalSet(sets[j])
		s.TTL = min(s.TTL, o.TTL)
		s.Values = append(slices.Clip(s.Values), o.Values...)
		slices.Sort(s.Values)
		s.Values = slices.Compact(s.Values)
	}
	return s, j, len(s.Values) > 0, true
}

type calc struct {
	p         *Plan
	opts      Options
	origin    string
	stamp     string // stamp owner name
	apexNS    bool   // apex NS managed
	ignore    []ignoreMatcher
	unmanaged map[zone.Key]bool
	curStamp  *zone.RRset
}

func newCalc(desired []zone.RRset, opts Options) (*calc, error) {
	origin := opts.Origin
	if origin == "" {
		for _, s := range desired {
			if s.Type == dns.TypeSOA {
				origin = s.Name
				break
			}
		}
		if origin == "" {
			return nil, errorf("no zone origin: set Options.Origin or include the SOA")
		}
	}
	origin = normName(origin)
	ign, err := compileIgnore(opts.Ignore, origin)
	if err != nil {
		return nil, err
	}
	c := &calc{
		p:      &Plan{Origin: origin, Provider: opts.Provider},
		opts:   opts,
		origin: origin,
		stamp:  StampName(origin),
		apexNS: opts.ManageApexNS && opts.Traits.ApexNSManaged,
		ignore: ign,
	}
	if len(opts.Unmanaged) > 0 {
		c.unmanaged = make(map[zone.Key]bool, len(opts.Unmanaged))
		for _, k := range opts.Unmanaged {
			c.unmanaged[zone.Key{Name: normName(k.Name), Type: k.Type}] = true
		}
	}
	return c, nil
}

// compare handles one key: d is the desired RRset (if hasD), cur the current one (if hasC).
func (c *calc) compare(d zone.RRset, hasD bool, cur zone.RRset, hasC bool) error {
	k := d.Key()
	if !hasD {
		k = cur.Key()
	}
	if !hasD && !hasC {
		return nil
	}
	switch {
	case k.Type == dns.TypeSOA:
		return nil
	case k.Type == dns.TypeNS && k.Name == c.origin && !c.apexNS:
		if c.opts.ManageApexNS {
			c.skip(k, "manage_apex_ns is set but the provider does not let twinzone write apex NS")
		}
		return nil
	case k.Type == dns.TypeRRSIG || k.Type == dns.TypeNSEC || k.Type == dns.TypeNSEC3 || k.Type == dns.TypeNSEC3PARAM ||
		k.Type == dns.TypeSIG || k.Type == dns.TypeNXT: // SIG and NXT: their RFC 2535 forerunners
		return nil // generated by a signing server, never data to push or delete
	case k.Name == c.origin && k.Type == typeBINDSigning:
		return nil // BIND's own signing-state records (TYPE65534): the server's, not data
	case k.Name == c.origin && (k.Type == dns.TypeDNSKEY || k.Type == dns.TypeCDS || k.Type == dns.TypeCDNSKEY):
		if hasD {
			c.skip(k, "apex DNSSEC keys belong to each provider's signer: not written")
		}
		return nil
	case k.Type == dns.TypeTXT && k.Name == c.stamp:
		if !c.opts.Stamp.IsZero() && hasC {
			c.curStamp = ptr(cur)
		}
		return nil // the stamp is handled by finishStamp
	case c.unmanaged[k]:
		why := ""
		if r := c.opts.UnmanagedReasons[k]; r != "" {
			why = " (" + r + ")"
		}
		if hasD {
			c.skip(k, "desired, but the provider marks this RRset unmanaged"+why+": not written")
		} else {
			c.skip(k, "unmanaged on the provider"+why+": left alone")
		}
		return nil
	case len(c.ignore) > 0 && ignored(c.ignore, k):
		c.p.Ignored++
		return nil
	}
	if hasD && c.opts.Traits.Types != nil && !c.opts.Traits.Types[k.Type] {
		return errorf("%s %s: the provider cannot hold %s records", k.Name, d.TypeString(), d.TypeString())
	}
	if hasC {
		c.p.Existing++
	}
	if hasD {
		d.TTL = normTTL(d.TTL, c.opts.Traits)
	}
	switch {
	case hasD && !hasC:
		c.add(Change{Action: Create, New: ptr(d)})
	case !hasD && hasC:
		c.add(Change{Action: Delete, Old: ptr(cur)})
	case !c.equal(&d, &cur):
		c.add(Change{Action: Update, Old: ptr(cur), New: ptr(d)})
	}
	return nil
}

// equal compares a normalised desired RRset with a current one.
func (c *calc) equal(d, cur *zone.RRset) bool {
	auto := c.opts.Traits.AutoTTL != 0 && d.TTL == c.opts.Traits.AutoTTL
	return (auto || d.TTL == cur.TTL) && slices.Equal(d.Values, cur.Values)
}

func ptr(s zone.RRset) *zone.RRset { return &s }

func (c *calc) add(ch Change) {
	c.p.Changes = append(c.p.Changes, ch)
	c.count(ch.Action)
}

func (c *calc) count(a Action) {
	switch a {
	case Create:
		c.p.Counts.Create++
	case Update:
		c.p.Counts.Update++
	case Delete:
		c.p.Counts.Delete++
	}
}

func (c *calc) skip(k zone.Key, reason string) {
	c.p.Unmanaged = append(c.p.Unmanaged, Skipped{Key: k, Reason: reason})
}

// finishStamp inserts the stamp change, if any, at its canonical position.
func (c *calc) finishStamp() {
	if c.opts.Stamp.IsZero() {
		return
	}
	want := zone.RRset{Name: c.stamp, Type: dns.TypeTXT, TTL: normTTL(StampTTL, c.opts.Traits),
		Values: []string{StampValue(c.opts.Stamp)}}
	var ch Change
	switch {
	case c.curStamp == nil:
		ch = Change{Action: Create, New: &want}
	case !c.equal(&want, c.curStamp):
		ch = Change{Action: Update, Old: c.curStamp, New: &want}
	default:
		return
	}
	pos, _ := slices.BinarySearchFunc(c.p.Changes, ch, func(a, b Change) int {
		ka, kb := a.Key(), b.Key()
		if x := zone.CompareNames(ka.Name, kb.Name); x != 0 {
			return x
		}
		return int(ka.Type) - int(kb.Type)
	})
	c.p.Changes = slices.Insert(c.p.Changes, pos, ch)
	c.count(ch.Action)
}
