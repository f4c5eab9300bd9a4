// Package plan computes, as a pure function, what must change on a provider so that it serves
// the desired zone: plain data that renderers print and pkg/sync applies.
package plan

import "github.com/twinzone/twinzone/pkg/zone"

// Action is what a Change does to one RRset.
type Action int

const (
	Create Action = iota + 1 // the RRset does not exist on the provider
	Update                   // the RRset exists with other values or another TTL
	Delete                   // the RRset exists but is not desired
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "unknown"
}

// Change replaces one whole RRset. Old is nil for Create, New is nil for Delete. Both have the
// same key when set.
type Change struct {
	Action Action
	Old    *zone.RRset
	New    *zone.RRset
}

// Key is the key of the RRset the change touches.
func (c Change) Key() zone.Key {
	if c.New != nil {
		return c.New.Key()
	}
	return c.Old.Key()
}
