// Package registrartest is the registrar conformance suite: every adapter under
// providers/registrar runs it (against its loopback emulator or a real parent server) to show
// it keeps the registrar.Registrar contract: names absolute, lower-case and sorted; the whole
// set replaced; an empty set refused; ctx honoured; refused credentials and unknown domains
// marked permanent (registrar.IsPermanent) without the credential in the message; safe for
// concurrent use; Waiter, when implemented, waits for the change.
package registrartest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Target is one adapter wired to a fresh backend.
type Target struct {
	Registrar registrar.Registrar
	// Domain is held by the backend (absolute, "example.com."), delegated to some set.
	Domain string
	// Held returns the names the backend holds for Domain now (any form: the suite
	// normalises), so writes are checked without trusting the adapter's own read.
	Held func() []string
	// Unknown is a domain the account does not hold; "" skips the check (a parent zone has
	// no such thing: an undelegated child reads as empty).
	Unknown string
	// BadCredentials is the adapter with a wrong secret against the same backend; nil skips.
	BadCredentials registrar.Registrar
	// Secrets must never appear in an error (the good and the wrong credential).
	Secrets []string
	// HeldGlue returns the glue addresses the backend holds for host (a name inside Domain);
	// nil: the registrar sends no glue, and the glue subtest is skipped.
	HeldGlue func(host string) []string
	// CannotSet: SetNameservers must refuse with a permanent error and change nothing (the
	// `manual` registrar).
	CannotSet bool
}

// Run runs the suite; newTarget builds a fresh backend and adapter for each subtest.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Run("ReadNormalised", func(t *testing.T) { readNormalised(t, newTarget(t)) })
	t.Run("ReplaceWholeSet", func(t *testing.T) { replaceWholeSet(t, newTarget(t)) })
	t.Run("EmptySetRefused", func(t *testing.T) { emptySetRefused(t, newTarget(t)) })
	t.Run("CancelledContext", func(t *testing.T) { cancelled(t, newTarget(t)) })
	t.Run("UnknownDomain", func(t *testing.T) { unknownDomain(t, newTarget(t)) })
	t.Run("BadCredentials", func(t *testing.T) { badCredentials(t, newTarget(t)) })
	t.Run("Concurrent", func(t *testing.T) { concurrent(t, newTarget(t)) })
	t.Run("Glue", func(t *testing.T) { glue(t, newTarget(t)) })
}

// Normalise returns names absolute, lower-case, sorted and unique.
func Normalise(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n, _, _ = strings.Cut(n, "=") // a backend may show glue as "host=address"
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if !strings.HasSuffix(n, ".") {
			n += "."
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func readNormalised(t *testing.T, tg Target) {
	got, err := tg.Registrar.Nameservers(ctxT(t), tg.Domain)
	if errors.Is(err, registrar.ErrUnsupported) {
		t.Skipf("Nameservers unsupported: %v", err)
	}
	if err != nil {
		t.Fatalf("Nameservers(%s): %v", tg.Domain, err)
	}
	if want := Normalise(tg.Held()); !slices.Equal(got, want) {
		t.Errorf("Nameservers = %v, want %v (absolute, lower-case, sorted)", got, want)
	}
}

func mustParse(t *testing.T, specs ...string) nameserver.Set {
	t.Helper()
	var s nameserver.Set
	for _, x := range specs {
		ns, err := nameserver.Parse(x)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, ns)
	}
	return s
}

func set(t *testing.T, tg Target, s nameserver.Set) {
	t.Helper()
	ctx := ctxT(t)
	op, err := tg.Registrar.SetNameservers(ctx, tg.Domain, s)
	if err != nil {
		t.Fatalf("SetNameservers(%v): %v", s.Names(), err)
	}
	if w, ok := tg.Registrar.(registrar.Waiter); ok {
		if err := w.Wait(ctx, tg.Domain, op); err != nil {
			t.Fatalf("Wait(%q): %v", op.ID, err)
		}
	}
}

func replaceWholeSet(t *testing.T, tg Target) {
	if tg.CannotSet {
		t.Skip("registrar cannot set")
	}
	first := mustParse(t, "b.ns.conformance.net.", "A.NS.Conformance.NET.", "c.ns.conformance.org.")
	set(t, tg, first)
	want := []string{"a.ns.conformance.net.", "b.ns.conformance.net.", "c.ns.conformance.org."}
	if got := Normalise(tg.Held()); !slices.Equal(got, want) {
		t.Fatalf("backend holds %v, want %v", got, want)
	}
	// A smaller set replaces the larger one (nothing is appended or kept).
	set(t, tg, mustParse(t, "d.ns.conformance.org.", "a.ns.conformance.net."))
	want = []string{"a.ns.conformance.net.", "d.ns.conformance.org."}
	if got := Normalise(tg.Held()); !slices.Equal(got, want) {
		t.Errorf("after the second change the backend holds %v, want %v", got, want)
	}
	got, err := tg.Registrar.Nameservers(ctxT(t), tg.Domain)
	if err == nil && !slices.Equal(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	} else if err != nil && !errors.Is(err, registrar.ErrUnsupported) {
		t.Errorf("read back: %v", err)
	}
}

func emptySetRefused(t *testing.T, tg Target) {
	before := Normalise(tg.Held())
	if _, err := tg.Registrar.SetNameservers(ctxT(t), tg.Domain, nil); err == nil {
		t.Errorf("an empty set was accepted")
	}
	if got := Normalise(tg.Held()); !slices.Equal(got, before) {
		t.Errorf("refused change changed the backend: %v, was %v", got, before)
	}
}

func cancelled(t *testing.T, tg Target) {
	before := Normalise(tg.Held())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tg.Registrar.SetNameservers(ctx, tg.Domain, mustParse(t, "x.ns.conformance.net.")); err == nil && !tg.CannotSet {
		t.Errorf("SetNameservers with a cancelled context succeeded")
	}
	if got := Normalise(tg.Held()); !slices.Equal(got, before) {
		t.Errorf("cancelled change reached the backend: %v, was %v", got, before)
	}
	if tg.CannotSet {
		_, err := tg.Registrar.SetNameservers(ctxT(t), tg.Domain, mustParse(t, "x.ns.conformance.net."))
		if !registrar.IsPermanent(err) {
			t.Errorf("a registrar that cannot set returned %v, want a permanent error", err)
		}
	}
}

func unknownDomain(t *testing.T, tg Target) {
	if tg.Unknown == "" {
		t.Skip("no unknown domain for this backend")
	}
	_, err := tg.Registrar.SetNameservers(ctxT(t), tg.Unknown, mustParse(t, "x.ns.conformance.net."))
	if err == nil || !registrar.IsPermanent(err) {
		t.Errorf("SetNameservers(%s) = %v, want a permanent error", tg.Unknown, err)
	}
	if _, err := tg.Registrar.Nameservers(ctxT(t), tg.Unknown); err == nil {
		t.Errorf("Nameservers(%s) succeeded", tg.Unknown)
	}
}

func badCredentials(t *testing.T, tg Target) {
	if tg.BadCredentials == nil {
		t.Skip("no credentials to get wrong")
	}
	before := Normalise(tg.Held())
	_, err := tg.BadCredentials.SetNameservers(ctxT(t), tg.Domain, mustParse(t, "x.ns.conformance.net."))
	if err == nil || !registrar.IsPermanent(err) {
		t.Errorf("wrong credentials: SetNameservers = %v, want a permanent error (retrying cannot fix a key)", err)
	}
	_, rerr := tg.BadCredentials.Nameservers(ctxT(t), tg.Domain)
	if rerr == nil && !errors.Is(rerr, registrar.ErrUnsupported) {
		t.Errorf("wrong credentials: Nameservers succeeded")
	}
	for _, e := range []error{err, rerr} {
		for _, s := range tg.Secrets {
			if e != nil && s != "" && strings.Contains(e.Error(), s) {
				t.Errorf("error carries a credential: %v", e)
			}
		}
	}
	if got := Normalise(tg.Held()); !slices.Equal(got, before) {
		t.Errorf("refused change changed the backend: %v, was %v", got, before)
	}
}

// glue: an in-bailiwick nameserver goes with its address; a name outside the domain without.
func glue(t *testing.T, tg Target) {
	if tg.HeldGlue == nil || tg.CannotSet {
		t.Skip("the registrar sends no glue")
	}
	host := "ns1." + strings.ToLower(tg.Domain)
	set(t, tg, mustParse(t, host+"=192.0.2.53", "x.ns.conformance.net."))
	want := []string{host, "x.ns.conformance.net."}
	if got := Normalise(tg.Held()); !slices.Equal(got, want) {
		t.Errorf("backend holds %v, want %v", got, want)
	}
	if got := tg.HeldGlue(host); !slices.Equal(got, []string{"192.0.2.53"}) {
		t.Errorf("glue for %s: %v, want [192.0.2.53]", host, got)
	}
	// A new address replaces the old one (a renumbered nameserver).
	set(t, tg, mustParse(t, host+"=192.0.2.54", "x.ns.conformance.net."))
	if got := tg.HeldGlue(host); !slices.Equal(got, []string{"192.0.2.54"}) {
		t.Errorf("glue for %s after renumbering: %v, want [192.0.2.54]", host, got)
	}
}

func concurrent(t *testing.T, tg Target) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := tg.Registrar.Nameservers(ctxT(t), tg.Domain); err != nil && !errors.Is(err, registrar.ErrUnsupported) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Nameservers: %v", err)
	}
}
