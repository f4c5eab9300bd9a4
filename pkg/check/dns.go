package check

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/delegation"
	"github.com/twinzone/twinzone/pkg/failover"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/stamp"
)

// Checks of this file beyond those in check.go.
const (
	CheckNameservers = "nameservers" // each provider's nameserver addresses
	CheckDelegation  = "delegation"  // the NS set at the parent against the mode
)

// roleTargets are the probe targets of one provider of a zone.
type roleTargets struct {
	Role, Provider string
	Targets        []probe.Target
}

// zoneTargets turns both providers' nameserver sets into probe targets.
func zoneTargets(ctx context.Context, o *Options, zc *config.Zone) ([]roleTargets, []Finding) {
	p := o.prober()
	var out []roleTargets
	var fs []Finding
	for _, r := range []struct {
		role string
		ref  config.ProviderRef
	}{{"primary", zc.Primary}, {"secondary", zc.Secondary}} {
		rt := roleTargets{Role: r.role, Provider: r.ref.Provider}
		if len(r.ref.Nameservers) == 0 {
			fs = append(fs, Finding{Check: CheckNameservers, Subject: r.ref.Provider, Severity: Warn,
				Message: fmt.Sprintf("%s provider %s has no nameservers in the config: it cannot be probed", r.role, r.ref.Provider),
				Fix:     "list the provider's nameservers for this zone (name.=ip) under the zone's " + r.role + ".nameservers"})
			out = append(out, rt)
			continue
		}
		var cache probe.AddrCache
		if o.AddrCache != nil {
			cache = o.AddrCache(zc.Name)
		}
		ts, err := p.Targets(ctx, r.ref.Provider, r.ref.Nameservers, cache)
		rt.Targets = ts
		if err != nil {
			fs = append(fs, Finding{Check: CheckNameservers, Subject: r.ref.Provider, Severity: Warn,
				Message: fmt.Sprintf("%s provider %s: some nameservers have no address: %v", r.role, r.ref.Provider, err),
				Fix:     "write the addresses in the config (name.=ip,ip) so that probes do not depend on resolving the provider's own domain"})
		}
		out = append(out, rt)
	}
	return out, fs
}

// defaultParentServers finds the parent servers as the controller does (delegation.ParentServers).
func defaultParentServers(ctx context.Context, o *Options, zc *config.Zone) ([]netip.AddrPort, error) {
	pc := delegation.ParentsConfig{Resolve: o.resolve(), Timeout: o.timeout() * 2}
	if reg := o.Config.Registrars[zc.Registrar]; reg != nil && reg.ParentServer() != "" {
		pc.Server = reg.ParentServer()
	}
	return delegation.ParentServers(ctx, zc.Name, pc)
}

// readDelegation reads the delegation at the parent and judges its NS TTL.
func readDelegation(ctx context.Context, o *Options, zc *config.Zone) (*delegation.Delegation, []Finding) {
	parents := o.ParentServers
	if parents == nil {
		parents = func(ctx context.Context, z *config.Zone) ([]netip.AddrPort, error) {
			return defaultParentServers(ctx, o, z)
		}
	}
	f := Finding{Check: CheckNSTTLParent}
	servers, err := parents(ctx, zc)
	if err == nil {
		var d delegation.Delegation
		d, err = o.reader().Delegation(ctx, servers, zc.Name)
		if err == nil {
			judgeNSTTL(&f, zc, "the parent publishes the delegation", d.NSTTL)
			f.Message += fmt.Sprintf(" (NS %s; %d DS", strings.Join(d.NS, " "), len(d.DS))
			if len(d.DS) > 0 {
				f.Message += fmt.Sprintf(" with TTL %s", time.Duration(dsTTL(d))*time.Second)
			}
			f.Message += ")"
			if f.Severity != OK {
				f.Fix = "the parent's TTL is the registry's (.com: 2 days) and cannot be lowered: prefer mode: active-active, where resolvers retry the other provider at once; keep the child's NS TTL low, most resolvers use it"
			}
			return &d, append([]Finding{f}, checkDelegationSet(zc, d.NS)...)
		}
	}
	f.Severity = Warn
	f.Message = fmt.Sprintf("the delegation could not be read from the parent's servers: %v", err)
	f.Fix = "check that this host reaches the parent zone's nameservers on port 53 (the NS TTL and DS records are then checked)"
	return nil, []Finding{f}
}

// dsTTL is the smallest DS TTL among the parent servers that answered.
func dsTTL(d delegation.Delegation) uint32 {
	var ttl uint32
	for _, v := range d.Answered() {
		if len(v.DS) > 0 && (ttl == 0 || v.DSTTL < ttl) {
			ttl = v.DSTTL
		}
	}
	return ttl
}

// checkDelegationSet compares the NS set at the parent with the one the mode asks for: both
// providers' names in active-active, the primary's in switch mode. Nothing when the config
// lists no names.
func checkDelegationSet(zc *config.Zone, ns []string) []Finding {
	expect := zc.Primary.Nameservers.Names()
	if zc.Mode == config.ModeActiveActive {
		expect = append(expect, zc.Secondary.Nameservers.Names()...)
	}
	if len(zc.Primary.Nameservers) == 0 || (zc.Mode == config.ModeActiveActive && len(zc.Secondary.Nameservers) == 0) {
		return nil
	}
	expect = delegation.Normalize(expect)
	f := Finding{Check: CheckDelegation}
	if slices.Equal(expect, ns) {
		f.Severity = OK
		f.Message = fmt.Sprintf("the parent delegates to %s, as %s mode expects", strings.Join(ns, " "), zc.Mode)
		return []Finding{f}
	}
	// A provider of the expected set wholly absent from the delegation is never asked by any
	// resolver: the setup would not survive an outage of the other one.
	var absent []string
	for _, ref := range []config.ProviderRef{zc.Primary, zc.Secondary} {
		if ref.Provider == zc.Secondary.Provider && zc.Mode != config.ModeActiveActive {
			continue
		}
		if !slices.ContainsFunc(delegation.Normalize(ref.Nameservers.Names()), func(n string) bool { return slices.Contains(ns, n) }) {
			absent = append(absent, ref.Provider)
		}
	}
	if len(absent) > 0 {
		f.Severity = Fail
		f.Message = fmt.Sprintf("%s not in the delegation (never delegated, or removed by a failover): the parent delegates to %s, %s mode expects %s",
			strings.Join(absent, ", "), strings.Join(ns, " "), zc.Mode, strings.Join(expect, " "))
		f.Fix = "on a fresh setup, `twinzone sync` then `twinzone failback` makes the first delegation; after a failover, `twinzone failback` once the provider is back (`twinzone status` tells which)"
		return []Finding{f}
	}
	f.Severity = Warn
	f.Message = fmt.Sprintf("the parent delegates to %s, but %s mode expects %s (a failover in effect, or a delegation set by hand)",
		strings.Join(ns, " "), zc.Mode, strings.Join(expect, " "))
	f.Fix = "run `twinzone status`; if a failover is over, `twinzone failback`; otherwise set the expected nameservers at the registrar"
	return []Finding{f}
}

// judgeNSTTL sets severity and message for an NS TTL seen by what.
func judgeNSTTL(f *Finding, zc *config.Zone, what string, ttl uint32) {
	if zc.Mode == config.ModeSwitch && ttl > MaxSwitchNSTTL {
		f.Severity = Warn
		f.Message = fmt.Sprintf("%s with NS TTL %s, over 1 h in switch mode: resolvers cache the delegation, so after a switch they keep asking the dead provider's nameservers until it expires (most resolvers cap it at 1 day)",
			what, time.Duration(ttl)*time.Second)
		return
	}
	f.Severity = OK
	f.Message = fmt.Sprintf("%s with NS TTL %s", what, time.Duration(ttl)*time.Second)
	if zc.Mode == config.ModeActiveActive {
		f.Message += " (active-active: resolvers retry the other provider's servers, the TTL matters little)"
	}
}

// query asks addr for name/qtype with RD=0 (TCP when truncated) and requires an
// authoritative NOERROR answer.
func query(ctx context.Context, o *Options, addr netip.AddrPort, name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = false
	q.SetEdns0(probe.EDNSSize, false)
	c := &dns.Client{Net: "udp", Timeout: o.timeout()}
	qctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	m, _, err := c.ExchangeContext(qctx, q, addr.String())
	if err == nil && m.Truncated {
		c.Net = "tcp"
		m, _, err = c.ExchangeContext(qctx, q, addr.String())
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s %s at %s: %w", name, dns.TypeToString[qtype], addr, err)
	case m.Rcode != dns.RcodeSuccess:
		return nil, fmt.Errorf("%s %s at %s: rcode %s", name, dns.TypeToString[qtype], addr, dns.RcodeToString[m.Rcode])
	case !m.Authoritative:
		return nil, fmt.Errorf("%s %s at %s: answer is not authoritative", name, dns.TypeToString[qtype], addr)
	}
	return m, nil
}

// checkChildNSTTL asks each provider for its apex NS and judges the TTL.
func checkChildNSTTL(ctx context.Context, o *Options, zc *config.Zone, targets []roleTargets) []Finding {
	var out []Finding
	for _, rt := range targets {
		if len(rt.Targets) == 0 {
			continue
		}
		f := Finding{Check: CheckNSTTLChild, Subject: rt.Provider}
		var errs []string
		found := false
		for _, t := range rt.Targets {
			m, err := query(ctx, o, t.Addr, zc.Name, dns.TypeNS)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			ttl, n := uint32(0), 0
			for _, rr := range m.Answer {
				if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, zc.Name) {
					if n == 0 || ns.Hdr.Ttl < ttl {
						ttl = ns.Hdr.Ttl
					}
					n++
				}
			}
			if n == 0 {
				errs = append(errs, fmt.Sprintf("%s: no apex NS in the answer", t.Addr))
				continue
			}
			judgeNSTTL(&f, zc, fmt.Sprintf("%s provider %s serves its apex NS", rt.Role, rt.Provider), ttl)
			if f.Severity != OK {
				f.Fix = "set the apex NS TTL to 3600 s or less at the provider (with manage_apex_ns: true, in the zone file); most resolvers use the child's NS TTL"
			}
			found = true
			break
		}
		if !found {
			f.Severity = Warn
			f.Message = fmt.Sprintf("%s provider %s: apex NS could not be read: %s", rt.Role, rt.Provider, strings.Join(errs, "; "))
			f.Fix = "check the nameserver addresses in the config and that port 53 is reachable from here"
		}
		out = append(out, f)
	}
	return out
}

// checkDNSSEC compares the parent's DS records with each provider's DNSKEY RRset.
func checkDNSSEC(ctx context.Context, o *Options, zc *config.Zone, d *delegation.Delegation, targets []roleTargets) []Finding {
	if d == nil {
		return nil // the delegation could not be read: already a finding
	}
	if len(d.DS) == 0 {
		return []Finding{{Check: CheckDNSSEC, Severity: OK,
			Message: "no DS at the parent: the zone is not signed, no key has to match"}}
	}
	var out []Finding
	p := o.prober()
	for _, rt := range targets {
		if len(rt.Targets) == 0 {
			continue
		}
		f := Finding{Check: CheckDNSSEC, Subject: rt.Provider}
		var errs []string
		judged := false
		for _, t := range rt.Targets {
			qctx, cancel := context.WithTimeout(ctx, o.timeout())
			keys, err := p.DNSKEY(qctx, t.Addr, zc.Name)
			cancel()
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			judged = true
			if failover.MatchesDS(keys, d.DS) {
				f.Severity = OK
				f.Message = fmt.Sprintf("%s provider %s publishes a DNSKEY that matches a DS at the parent", rt.Role, rt.Provider)
			} else {
				f.Severity = Fail
				f.Message = fmt.Sprintf("%s provider %s publishes %d DNSKEYs, none matching the parent's %d DS records: validating resolvers would reject its answers once it is in the delegation",
					rt.Role, rt.Provider, len(keys), len(d.DS))
				f.Fix = "add the provider's key-signing key as a DS at the registrar too (multi-signer DNSSEC, RFC 8901), or sign both providers with the same key"
			}
			break
		}
		if !judged {
			f.Severity = Fail
			f.Message = fmt.Sprintf("%s provider %s: DNSKEY could not be read while the parent holds DS records: %s", rt.Role, rt.Provider, strings.Join(errs, "; "))
			f.Fix = "check the nameserver addresses and that the provider signs the zone"
		}
		out = append(out, f)
	}
	return out
}

// checkStamp probes every address of both providers for the apex SOA and the sync stamp.
func checkStamp(ctx context.Context, o *Options, zc *config.Zone, want stamp.Stamp, targets []roleTargets) []Finding {
	var out []Finding
	p := o.prober()
	for _, rt := range targets {
		if len(rt.Targets) == 0 {
			continue
		}
		round := p.Round(ctx, rt.Targets, zc.Name, want, 1)
		f := Finding{Check: CheckStamp, Subject: rt.Provider}
		var stale, bad []string
		for _, r := range round.Results {
			switch {
			case r.Healthy():
			case r.Reason == probe.StaleStamp:
				stale = append(stale, fmt.Sprintf("%s (%s)", r.Addr, r.Detail))
			default:
				bad = append(bad, fmt.Sprintf("%s %s (%s)", r.Addr, r.Reason, r.Detail))
			}
		}
		n := len(round.Results)
		switch {
		case len(bad) > 0:
			f.Severity = Fail
			f.Message = fmt.Sprintf("%s provider %s: %d of %d addresses do not answer authoritatively: %s", rt.Role, rt.Provider, len(bad), n, strings.Join(bad, "; "))
			f.Fix = "check the nameserver addresses in the config, that the provider serves the zone, and that port 53 (UDP and TCP) is reachable from here"
		case len(stale) > 0:
			f.Severity = Fail
			f.Message = fmt.Sprintf("%s provider %s does not serve the current sync stamp on %d of %d addresses: %s", rt.Role, rt.Provider, len(stale), n, strings.Join(stale, "; "))
			f.Fix = "run `twinzone sync` (then `twinzone plan` shows no changes); a failover to a provider with old data is refused"
		case want.IsZero():
			f.Severity = OK
			f.Message = fmt.Sprintf("%s provider %s answers authoritatively on all %d addresses (stamp not compared)", rt.Role, rt.Provider, n)
		default:
			f.Severity = OK
			f.Message = fmt.Sprintf("%s provider %s serves the current zone (sync stamp) on all %d addresses", rt.Role, rt.Provider, n)
		}
		out = append(out, f)
	}
	return out
}
