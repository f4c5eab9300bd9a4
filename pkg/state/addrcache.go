package state

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// AddrCache is the nameserver address cache of one zone, backed by the state file. It satisfies
// probe.AddrCache. Names are absolute; they are compared case-insensitively.
type AddrCache struct {
	store *Store
	zone  string
	now   func() time.Time
}

// AddrCache returns the address cache of zone.
func (s *Store) AddrCache(zone string) *AddrCache {
	return &AddrCache{store: s, zone: strings.ToLower(zone), now: time.Now}
}

// Addrs returns the last addresses stored for name, and whether any are known.
func (c *AddrCache) Addrs(name string) ([]netip.AddrPort, bool) {
	st, err := c.store.Load()
	if err != nil {
		return nil, false
	}
	z := st.Zones[c.zone]
	if z == nil {
		return nil, false
	}
	a, ok := z.Addrs[strings.ToLower(name)]
	if !ok || len(a.Addrs) == 0 {
		return nil, false
	}
	return slices.Clone(a.Addrs), true
}

// SetAddrs stores the addresses of name (an empty list is not stored: the last known addresses
// are worth more than none). The state file is only rewritten when the addresses changed.
func (c *AddrCache) SetAddrs(name string, addrs []netip.AddrPort) error {
	if len(addrs) == 0 {
		return nil
	}
	name = strings.ToLower(name)
	if old, ok := c.Addrs(name); ok && slices.Equal(old, addrs) {
		return nil
	}
	return c.store.Update(func(st *State) error {
		z := st.Zone(c.zone)
		if z.Addrs == nil {
			z.Addrs = map[string]CachedAddrs{}
		}
		z.Addrs[name] = CachedAddrs{Addrs: slices.Clone(addrs), ResolvedAt: c.now().UTC()}
		return nil
	})
}
