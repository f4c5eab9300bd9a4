package manual

import (
	"context"
	"io"
	"testing"

	"github.com/twinzone/twinzone/pkg/registrar/registrartest"
)

func TestConformance(t *testing.T) {
	registrartest.Run(t, func(t *testing.T) registrartest.Target {
		held := func() []string { return []string{"NS2.old.net", "ns1.old.net."} }
		r, err := New(Config{Out: io.Discard, Registrar: "by-hand",
			Reader: func(context.Context, string) ([]string, error) { return registrartest.Normalise(held()), nil }})
		if err != nil {
			t.Fatal(err)
		}
		return registrartest.Target{Registrar: r, Domain: "example.com.", Held: held, CannotSet: true}
	})
}
