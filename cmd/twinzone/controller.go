package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/controller"
	"github.com/twinzone/twinzone/pkg/registrar"
	registrars "github.com/twinzone/twinzone/providers/registrar"
)

// controller builds the failover controller of the selected zones. It never opens a DNS
// provider for failover (their APIs may be down with them): probes, the registrar and the
// parent's servers are all it talks to; only the periodic sync (opts.Sync) opens them.
func (l *loaded) controller(c *cli.Context, opts controller.Options) (*controller.Controller, error) {
	st, err := l.store()
	if err != nil {
		return nil, err
	}
	opts.Config, opts.Store, opts.Logger = l.cfg, st, l.log
	if l.cfg.Fleet != nil && opts.History == nil {
		// failover, failback, status: the fleet's lock and record, in etcd.
		if opts.History, err = l.history(c); err != nil {
			return nil, err
		}
	}
	out := c.App.Writer
	opts.OpenRegistrar = func(ctx context.Context, rc *config.Registrar, parent controller.ParentReader) (registrar.Registrar, error) {
		return registrars.OpenWith(ctx, rc, l.log, registrars.Options{Out: out, Reader: parent})
	}
	for _, zd := range l.zones {
		opts.Zones = append(opts.Zones, controller.ZoneSpec{Config: zd.cfg, Desired: zd.file})
	}
	ctrl, err := controller.New(c.Context, opts)
	if err != nil {
		return nil, fmt.Errorf("%w (check the nameservers of the zone in %s)", err, l.cfg.File)
	}
	return ctrl, nil
}

// stdinIsTerminal reports whether the command can ask a human for confirmation.
func stdinIsTerminal(c *cli.Context) bool {
	f, ok := c.App.Reader.(*os.File)
	if c.App.Reader == nil {
		f, ok = os.Stdin, true
	}
	return ok && term.IsTerminal(int(f.Fd()))
}
