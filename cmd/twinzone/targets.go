package main

import (
	"context"
	"fmt"

	"github.com/twinzone/twinzone/pkg/plan"
	"github.com/twinzone/twinzone/pkg/provider"
	tzsync "github.com/twinzone/twinzone/pkg/sync"
	dnsproviders "github.com/twinzone/twinzone/providers/dns"
)

// zoneTargets opens the primary and secondary providers of a zone. A provider that cannot be
// opened is reported in errs and left out, so the other one is still worked on.
func (l *loaded) zoneTargets(ctx context.Context, zd zoneData) (targets []tzsync.Target, errs []error) {
	for _, name := range zd.cfg.Providers() {
		p, err := l.openProvider(ctx, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s on %s: %w", zd.cfg.Name, name, err))
			continue
		}
		if d, ok := p.(provider.Delegated); ok {
			d.SetApexNS(zd.cfg.Name, zd.cfg.Ref(name).Nameservers.Names())
		}
		var traits plan.Traits
		if d, ok := p.(provider.Describer); ok {
			traits = d.Traits()
		}
		targets = append(targets, tzsync.Target{Name: name, Provider: p, Options: planOptions(zd, name, traits)})
	}
	targets, perrs := l.applyProxied(ctx, zd, targets)
	return targets, append(errs, perrs...)
}

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
