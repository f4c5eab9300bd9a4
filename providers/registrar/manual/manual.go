// Package manual is the registrar for domains whose registrar has no usable API: it never
// changes anything itself. SetNameservers writes the exact steps for a human to a writer and
// returns an error marked registrar.ErrManual (callers do not retry it); Nameservers reports
// the delegation through an injected reader (usually pkg/delegation, asking the parent's
// servers), or registrar.ErrUnsupported without one.
package manual

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Config configures the manual registrar.
type Config struct {
	Out       io.Writer // where the steps go; default os.Stderr
	Registrar string    // the registrar's name for the instructions; default "your registrar"
	// Reader returns the NS set the parent publishes for domain (absolute names).
	Reader func(ctx context.Context, domain string) ([]string, error)
}

// Registrar prints instructions.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New returns the manual registrar.
func New(cfg Config) (*Registrar, error) {
	if cfg.Out == nil {
		cfg.Out = os.Stderr
	}
	if cfg.Registrar == "" {
		cfg.Registrar = "your registrar"
	}
	return &Registrar{cfg: cfg}, nil
}

// Nameservers returns what the Reader sees, or registrar.ErrUnsupported.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	if r.cfg.Reader == nil {
		return nil, fmt.Errorf("manual registrar: %s: %w (no delegation reader)", domain, registrar.ErrUnsupported)
	}
	names, err := r.cfg.Reader(ctx, domain)
	if err != nil {
		return nil, fmt.Errorf("manual registrar: %s: %w", domain, err)
	}
	return names, nil
}

// SetNameservers writes the steps and returns an error marked registrar.ErrManual.
func (r *Registrar) SetNameservers(_ context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if _, err := io.WriteString(r.cfg.Out, Steps(r.cfg.Registrar, domain, set)); err != nil {
		return registrar.Operation{}, fmt.Errorf("manual registrar: write steps: %w", err)
	}
	return registrar.Operation{}, fmt.Errorf("%s: %w: follow the steps printed above", domain, registrar.ErrManual)
}

// Steps renders the instructions for pointing domain at set.
func Steps(registrarName, domain string, set nameserver.Set) string {
	bare := strings.TrimSuffix(strings.ToLower(domain), ".")
	var b strings.Builder
	fmt.Fprintf(&b, "ACTION REQUIRED: change the nameservers of %s at %s by hand.\n\n", bare, registrarName)
	fmt.Fprintf(&b, "1. Sign in to %s and open the nameserver (DNS delegation) settings of %s.\n", registrarName, bare)
	fmt.Fprintf(&b, "2. Replace ALL nameservers with exactly these %d (remove every other one):\n", len(set))
	for _, ns := range set {
		fmt.Fprintf(&b, "     %s\n", strings.TrimSuffix(ns.Name, "."))
	}
	var glue []string
	for _, ns := range set {
		if !inBailiwick(ns.Name, domain) {
			continue
		}
		for _, a := range ns.Addrs {
			typ := "A"
			if a.Addr().Is6() {
				typ = "AAAA"
			}
			glue = append(glue, fmt.Sprintf("     %s  %s  %s\n", strings.TrimSuffix(ns.Name, "."), typ, a.Addr()))
		}
	}
	step := 3
	if len(glue) > 0 {
		fmt.Fprintf(&b, "%d. These nameservers are inside %s: register their addresses (glue / child hosts):\n", step, bare)
		b.WriteString(strings.Join(glue, ""))
		step++
	}
	fmt.Fprintf(&b, "%d. Save. The registry usually publishes the change within minutes; check it with\n", step)
	fmt.Fprintf(&b, "     twinzone status --zone %s\n", strings.ToLower(dnsFqdn(domain)))
	fmt.Fprintf(&b, "   or ask a server of the parent zone directly: dig +norec NS %s @<parent server>\n", bare)
	return b.String()
}

func dnsFqdn(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func inBailiwick(name, domain string) bool {
	name, domain = strings.ToLower(dnsFqdn(name)), strings.ToLower(dnsFqdn(domain))
	return name == domain || strings.HasSuffix(name, "."+domain)
}
