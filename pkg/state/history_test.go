package state_test

import (
	"testing"

	"github.com/twinzone/twinzone/pkg/state"
	"github.com/twinzone/twinzone/pkg/state/historytest"
)

func TestStoreHistory(t *testing.T) {
	historytest.Run(t, func(t *testing.T) (state.History, state.History) {
		dir := t.TempDir()
		a, err := state.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := state.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	})
}
