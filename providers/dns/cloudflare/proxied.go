package cloudflare

import (
	"maps"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/twinzone/twinzone/pkg/provider"
	"github.com/twinzone/twinzone/pkg/zone"
)

// Proxied records (Cloudflare's orange cloud) are answered by Cloudflare's edge: their TTL is
// Cloudflare's ("Auto", 300 s) and cannot be set, and the addresses resolvers get are the
// edge's, not the zone file's (the origin's). So:
//
//   - The plan treats a proxied RRset's TTL as Cloudflare's: Shape gives the desired A, AAAA and
//     CNAME RRsets of a proxied name the automatic TTL (1), which matches what Cloudflare
//     reports, so a proxied record never makes a sync fail or a plan non-empty.
//   - The config's `proxied` entries (WithProxied) set the proxy per name: new and changed
//     records are written proxied or not as configured, and a record whose proxy status
//     differs from the config is reported with TTL 0 (a value Cloudflare never holds), so the
//     plan updates it, and Apply patches its status in place.
//   - A name the config does not list keeps the proxy status it has on Cloudflare (set in the
//     dashboard); new values of a proxied RRset are created proxied.
//   - What the zone's other provider serves for a proxied name is chosen in the config (the
//     origin values, the edge's addresses, or explicit ones): see ForSecondary.

// proxyDiffersTTL is the TTL Records reports for an RRset whose proxy status differs from the
// config: Cloudflare stores 1 (automatic) or at least 30, never 0.
const proxyDiffersTTL = 0

var _ provider.Shaper = (*Provider)(nil)

// WithProxied returns a view of p with the config's proxy setting per name (absolute name ->
// proxied), sharing p's client, rate limiter and caches.
func (p *Provider) WithProxied(names map[string]bool) provider.Provider {
	v := *p
	v.proxied = maps.Clone(names)
	return &v
}

func proxiable(t uint16) bool { return t == dns.TypeA || t == dns.TypeAAAA || t == dns.TypeCNAME }

func isProxied(r record) bool { return r.Proxied != nil && *r.Proxied }

// proxyState is how a name's proxiable records are proxied in a listing.
type proxyState struct{ proxied, direct bool }

// noteProxied remembers, from a listing, which names have proxied or direct proxiable records.
func (p *Provider) noteProxied(origin string, cur *current) {
	m := map[string]proxyState{}
	for k, rs := range cur.sets {
		if !proxiable(k.Type) {
			continue
		}
		st := m[k.Name]
		for _, r := range rs {
			if isProxied(r.r) {
				st.proxied = true
			} else {
				st.direct = true
			}
		}
		m[k.Name] = st
	}
	p.st.mu.Lock()
	p.st.seen[origin] = m
	p.st.mu.Unlock()
}

// proxyDiffers reports whether the records of k are proxied otherwise than the config says.
func (p *Provider) proxyDiffers(k zone.Key, rs []curRecord) bool {
	want, ok := p.proxied[k.Name]
	if !ok || !proxiable(k.Type) {
		return false
	}
	for _, r := range rs {
		if isProxied(r.r) != want {
			return true
		}
	}
	return false
}

// wantProxied is whether new records of k are written proxied: as configured, else as the
// RRset's current records are.
func (p *Provider) wantProxied(k zone.Key, old []curRecord) (proxied, configured bool) {
	if !proxiable(k.Type) {
		return false, false
	}
	if want, ok := p.proxied[k.Name]; ok {
		return want, true
	}
	for _, r := range old {
		if isProxied(r.r) {
			return true, false
		}
	}
	return false, false
}

// Shape gives the desired A, AAAA and CNAME RRsets of proxied names Cloudflare's automatic TTL:
// names the config proxies whose records are all proxied already, and names the config does
// not list that are proxied on Cloudflare (as of the latest listing).
func (p *Provider) Shape(origin string, desired []zone.RRset) []zone.RRset {
	p.st.mu.Lock()
	seen := p.st.seen[canonOrigin(origin)]
	p.st.mu.Unlock()
	var out []zone.RRset
	for i, s := range desired {
		if !proxiable(s.Type) || s.TTL == 1 {
			continue
		}
		st := seen[s.Name]
		want, configured := p.proxied[s.Name]
		auto := configured && want && st.proxied && !st.direct || !configured && st.proxied
		if !auto {
			continue
		}
		if out == nil {
			out = make([]zone.RRset, len(desired))
			copy(out, desired)
		}
		out[i].TTL = 1
	}
	if out == nil {
		return desired
	}
	return out
}

func canonOrigin(o string) string { return strings.ToLower(dns.Fqdn(o)) }

// ProxiedNames returns the names with proxied records in the latest listing of origin, sorted
// (for `check`: a name proxied in the dashboard but absent from the config's proxied entries
// is served with its origin addresses by the other provider).
func (p *Provider) ProxiedNames(origin string) []string {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	var out []string
	for name, st := range p.st.seen[canonOrigin(origin)] {
		if st.proxied {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
