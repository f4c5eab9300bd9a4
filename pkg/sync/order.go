package sync

import (
	"slices"

	"github.com/miekg/dns"
	"github.com/twinzone/twinzone/pkg/plan"
)

// phases splits record changes (the stamp excluded) into the groups that are applied one
// after another, each in its own Apply calls:
//
//  1. deletes that make room: a delete at a name where the plan creates or updates a CNAME,
//     or the delete of a CNAME where other data is written (a CNAME never coexists with other
//     data, so the old RRset must go first);
//  2. creates and updates, address records (A, AAAA) first so that targets and glue exist
//     before the records that point at them;
//  3. the remaining deletes, address records last, so nothing points at a removed address.
//
// Within a group the canonical order of the plan is kept. Empty groups are dropped.
func phases(changes []plan.Change) [][]plan.Change {
	writes := map[string]bool{}     // names where something is created or updated
	cnameWrite := map[string]bool{} // names where a CNAME is created or updated
	for _, c := range changes {
		if c.Action == plan.Delete {
			continue
		}
		k := c.Key()
		writes[k.Name] = true
		if k.Type == dns.TypeCNAME {
			cnameWrite[k.Name] = true
		}
	}
	var room, addrWrites, otherWrites, otherDeletes, addrDeletes []plan.Change
	for _, c := range changes {
		k := c.Key()
		addr := k.Type == dns.TypeA || k.Type == dns.TypeAAAA
		switch {
		case c.Action == plan.Delete && (cnameWrite[k.Name] || (k.Type == dns.TypeCNAME && writes[k.Name])):
			room = append(room, c)
		case c.Action != plan.Delete && addr:
			addrWrites = append(addrWrites, c)
		case c.Action != plan.Delete:
			otherWrites = append(otherWrites, c)
		case !addr:
			otherDeletes = append(otherDeletes, c)
		default:
			addrDeletes = append(addrDeletes, c)
		}
	}
	out := [][]plan.Change{room, append(addrWrites, otherWrites...), append(otherDeletes, addrDeletes...)}
	return slices.DeleteFunc(out, func(g []plan.Change) bool { return len(g) == 0 })
}

// batches splits changes into slices of at most size (size <= 0: one batch).
func batches(changes []plan.Change, size int) [][]plan.Change {
	if size <= 0 || len(changes) <= size {
		return [][]plan.Change{changes}
	}
	var out [][]plan.Change
	for len(changes) > 0 {
		n := min(size, len(changes))
		out = append(out, changes[:n:n])
		changes = changes[n:]
	}
	return out
}
