package main

import (
	"context"
	"fmt"

	"github.com/twinzone/twinzone/pkg/provider"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
)

// openProvider opens a provider once per process; zones sharing a provider share the adapter
// (and so its rate limiter).
func (l *loaded) openProvider(ctx context.Context, name string) (provider.Provider, error) {
	if p, ok := l.opened[name]; ok {
		return p, nil
	}
	pc, ok := l.cfg.Providers[name]
	if !ok {
		return nil, fmt.Errorf("provider %q is not defined", name)
	}
	p, err := dnsproviders.Open(ctx, pc, l.log)
	if err != nil {
		return nil, err
	}
	if l.opened == nil {
		l.opened = map[string]provider.Provider{}
	}
	l.opened[name] = p
	return p, nil
}

// hasZonefile reports whether a zone is served by a provider writing a local file (zonefile).
func (l *loaded) hasZonefile(zd zoneData) bool {
	for _, name := range zd.cfg.Providers() {
		if p, ok := l.cfg.Providers[name]; ok && p.LocalFile() != "" {
			return true
		}
	}
	return false
}
