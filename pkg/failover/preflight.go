package failover

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/stamp"
)

// ErrPreflight marks a refused preflight (errors.Is).
var ErrPreflight = errors.New("preflight refused")

// ProbeFunc runs one fresh probe round against the addresses of one provider's set.
type ProbeFunc func(ctx context.Context, provider string, set nameserver.Set) (probe.Round, error)

// DNSKEYFunc asks one address (RD=0) for zone's DNSKEY RRset.
type DNSKEYFunc func(ctx context.Context, addr netip.AddrPort, zone string) ([]*dns.DNSKEY, error)

// Target is a provider that a delegation change will point at.
type Target struct {
	Provider string
	Set      nameserver.Set
}

// PreflightConfig is everything a preflight checks.
type PreflightConfig struct {
	Zone          string
	Targets       []Target
	RequireInSync bool
	ExpectedStamp stamp.Stamp // the stamp the targets must serve when RequireInSync (the newest known)
	ParentDS      []*dns.DS   // DS records the parent publishes; empty: no DNSSEC check
	Force         bool        // report problems but do not refuse
	Probe         ProbeFunc
	QueryDNSKEY   DNSKEYFunc // required when ParentDS is non-empty
}

// PreflightReport is the outcome of a preflight.
type PreflightReport struct {
	OK       bool           `json:"ok"`
	Forced   bool           `json:"forced,omitempty"` // problems found, but Force was set
	Problems []string       `json:"problems,omitempty"`
	Results  []probe.Result `json:"results,omitempty"`
}

// Preflight checks that every target answers authoritatively on all its addresses, serves the
// expected stamp (RequireInSync), and, when the parent publishes DS records, publishes on every
// address a DNSKEY that one of them matches. It returns an error wrapping ErrPreflight that
// lists the problems, unless Force is set (then the report says Forced). An error from an
// injected function is a problem too: it cannot prove the target is ready.
func Preflight(ctx context.Context, cfg PreflightConfig) (PreflightReport, error) {
	var rep PreflightReport
	if cfg.Probe == nil {
		return rep, fmt.Errorf("preflight: no probe function")
	}
	if len(cfg.Targets) == 0 {
		rep.Problems = append(rep.Problems, "no target provider")
	}
	for _, t := range cfg.Targets {
		if len(t.Set) == 0 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: empty nameserver set", t.Provider))
			continue
		}
		round, err := cfg.Probe(ctx, t.Provider, t.Set)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: probe: %v", t.Provider, err))
			continue
		}
		rep.Results = append(rep.Results, round.Results...)
		rep.Problems = append(rep.Problems, checkRound(cfg, t, round)...)
		if len(cfg.ParentDS) > 0 {
			rep.Problems = append(rep.Problems, checkDNSSEC(ctx, cfg, t, round)...)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("preflight: %w", err)
	}
	rep.OK = len(rep.Problems) == 0
	if rep.OK {
		return rep, nil
	}
	if cfg.Force {
		rep.Forced = true
		return rep, nil
	}
	return rep, fmt.Errorf("%w: %s", ErrPreflight, strings.Join(rep.Problems, "; "))
}

func checkRound(cfg PreflightConfig, t Target, round probe.Round) []string {
	var problems []string
	var results []probe.Result
	for _, r := range round.Results {
		if r.Provider == t.Provider {
			results = append(results, r)
		}
	}
	if len(results) == 0 {
		return []string{fmt.Sprintf("%s: no address probed", t.Provider)}
	}
	seen := map[netip.AddrPort]bool{}
	for _, r := range results {
		seen[r.Addr] = true
		switch {
		case r.Reason == probe.StaleStamp && !cfg.RequireInSync:
			// answers authoritatively; the stamp is not required
		case r.Reason == probe.StaleStamp:
			problems = append(problems, fmt.Sprintf("%s: %s (%s) serves stamp %s, want %s: out of sync",
				t.Provider, r.Nameserver, r.Addr, r.Stamp.Short(), cfg.ExpectedStamp.Short()))
		case !r.Healthy():
			problems = append(problems, fmt.Sprintf("%s: %s (%s) %s", t.Provider, r.Nameserver, r.Addr, describe(r)))
		case cfg.RequireInSync && !cfg.ExpectedStamp.IsZero() && stamp.Compare(r.Stamp, cfg.ExpectedStamp) != stamp.Same:
			problems = append(problems, fmt.Sprintf("%s: %s (%s) serves stamp %s, want %s",
				t.Provider, r.Nameserver, r.Addr, r.Stamp.Short(), cfg.ExpectedStamp.Short()))
		}
	}
	for _, ns := range t.Set {
		for _, a := range ns.Addrs {
			if !seen[a] {
				problems = append(problems, fmt.Sprintf("%s: %s (%s) was not probed", t.Provider, ns.Name, a))
			}
		}
	}
	return problems
}

func describe(r probe.Result) string {
	if r.Detail != "" {
		return fmt.Sprintf("%s: %s", r.Reason, r.Detail)
	}
	return string(r.Reason)
}

func checkDNSSEC(ctx context.Context, cfg PreflightConfig, t Target, round probe.Round) []string {
	if cfg.QueryDNSKEY == nil {
		return []string{fmt.Sprintf("%s: parent publishes DS records but no DNSKEY query function was given", t.Provider)}
	}
	var addrs []netip.AddrPort
	for _, r := range round.Results {
		if r.Provider == t.Provider && !slices.Contains(addrs, r.Addr) {
			addrs = append(addrs, r.Addr)
		}
	}
	var problems []string
	for _, a := range addrs {
		keys, err := cfg.QueryDNSKEY(ctx, a, cfg.Zone)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: DNSKEY query to %s: %v", t.Provider, a, err))
			continue
		}
		if !MatchesDS(keys, cfg.ParentDS) {
			problems = append(problems, fmt.Sprintf("%s: %s publishes no DNSKEY matching the parent's DS (%s): the switch would break DNSSEC validation",
				t.Provider, a, dsList(cfg.ParentDS)))
		}
	}
	return problems
}

// MatchesDS reports whether one of keys hashes to one of the DS records (key tag, algorithm
// and digest, computed with each DS's digest type).
func MatchesDS(keys []*dns.DNSKEY, dss []*dns.DS) bool {
	for _, ds := range dss {
		for _, k := range keys {
			if k == nil || k.Algorithm != ds.Algorithm || k.KeyTag() != ds.KeyTag {
				continue
			}
			got := k.ToDS(ds.DigestType)
			if got != nil && strings.EqualFold(got.Digest, ds.Digest) {
				return true
			}
		}
	}
	return false
}

func dsList(dss []*dns.DS) string {
	parts := make([]string, len(dss))
	for i, ds := range dss {
		parts[i] = fmt.Sprintf("%d/%d/%d", ds.KeyTag, ds.Algorithm, ds.DigestType)
	}
	return strings.Join(parts, ", ")
}
