package controller

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/twinzone/twinzone/pkg/probe"
	"github.com/twinzone/twinzone/pkg/stamp"
	"github.com/twinzone/twinzone/pkg/state"
)

// stampView is the controller's verdict on zone versions: the stamp of its zone file, what
// each provider serves, and the newest version known (from the providers, the last recorded
// sync and the file). It decides whether the periodic sync may push the file and what
// require_in_sync demands of a failover target.
type stampView struct {
	file   stamp.Stamp
	served map[string]stamp.Stamp // provider -> the stamp all its answering addresses serve
	newest stamp.Stamp            // zero when versions cannot be ordered
	// behind: a provider or the history holds a newer version than the file; conflict: one
	// holds the same generation with other content. Either way the file is never pushed.
	behind   bool
	conflict bool
	why      string // what the verdict is based on, for humans
}

// servedBy returns, per provider, the newest stamp its addresses served in round r (mid-sync
// some addresses have the new version already: the newest is what the provider is moving to).
func servedBy(r probe.Round) map[string]stamp.Stamp {
	out := map[string]stamp.Stamp{}
	for _, res := range r.Results {
		if res.Stamp.IsZero() || res.Provider == "" {
			continue
		}
		if s, ok := out[res.Provider]; !ok || stamp.Compare(res.Stamp, s) == stamp.Newer {
			out[res.Provider] = res.Stamp
		}
	}
	return out
}

// judgeStamps builds the view from the file, what each provider serves and the history.
func judgeStamps(file stamp.Stamp, served map[string]stamp.Stamp, h state.ZoneHistory) stampView {
	v := stampView{file: file, served: served}
	known := []stamp.Stamp{file}
	var names []string
	for p := range v.served {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		known = append(known, v.served[p])
	}
	var synced stamp.Stamp // what the last sync pushed, if it reached a provider
	if h.LastSync != nil && h.LastSync.Hash != "" && anyTrue(h.LastSync.Providers) {
		synced = stamp.Stamp{Hash: h.LastSync.Hash}
		if h.LastSync.Generation != nil {
			synced = stamp.New(h.LastSync.Hash, *h.LastSync.Generation)
		}
		known = append(known, synced)
	}
	v.newest, _ = stamp.Newest(known...)
	for _, p := range names {
		switch stamp.Compare(v.served[p], file) {
		case stamp.Newer:
			v.behind = true
			v.why = fmt.Sprintf("%s serves %s, the controller's zone file is %s", p, v.served[p].Short(), file.Short())
		case stamp.Conflict:
			v.conflict = true
			v.why = fmt.Sprintf("%s serves %s: same SOA serial as the controller's zone file, other content (bump the SOA serial)", p, v.served[p].Short())
		}
	}
	if !v.behind && !v.conflict && stamp.Compare(synced, file) == stamp.Newer {
		v.behind = true
		v.why = fmt.Sprintf("the last recorded sync pushed %s, the controller's zone file is %s", synced.Short(), file.Short())
	}
	return v
}

// expected is what require_in_sync demands of a failover target: the newest version known,
// else the file's.
func (v stampView) expected() stamp.Stamp {
	if !v.newest.IsZero() {
		return v.newest
	}
	return v.file
}

// stale lists the providers that serve an older version than the newest known (the periodic
// sync converges them).
func (v stampView) stale() []string {
	var out []string
	for p, s := range v.served {
		if !v.newest.IsZero() && stamp.Compare(s, v.newest) == stamp.Older {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// message is the one-line verdict reported when it changes ("" when all is in order).
func (v stampView) message() string {
	switch {
	case v.behind:
		return "the controller's zone file is behind: " + v.why + "; it is not pushed (no periodic sync) until the controller has the new file"
	case v.conflict:
		return "two versions of the zone share one SOA serial: " + v.why + "; the controller does not push over it"
	}
	if s := v.stale(); len(s) > 0 {
		return "stale: " + strings.Join(s, ", ") + ": older than the newest version " + v.newest.Short() + " (the periodic sync converges it)"
	}
	return ""
}

// expectedStamp is the zone's require_in_sync target (failover.Controller.ExpectedStamp).
func (z *Zone) expectedStamp() stamp.Stamp {
	z.mu.Lock()
	v := z.stamps
	z.mu.Unlock()
	if v.file.IsZero() && v.newest.IsZero() {
		return z.Stamp()
	}
	return v.expected()
}

// judge recomputes the zone's stamp verdict from round r and reports it when it changed.
func (z *Zone) judge(r probe.Round, h state.ZoneHistory) {
	v := judgeStamps(z.Stamp(), servedBy(r), h)
	z.mu.Lock()
	z.stamps = v
	z.mu.Unlock()
	z.c.metrics.SetBehind(z.Name, v.behind)
	stale := v.stale()
	for _, p := range z.providers() {
		_, serves := v.served[p]
		// No stamp read from an answering provider is stale too; a provider that does not
		// answer at all is the verdicts' business.
		z.c.metrics.SetStale(z.Name, p, slices.Contains(stale, p) || (!serves && answered(r, p)))
	}
	msg := v.message()
	if msg == z.stampMsg {
		return
	}
	prev := z.stampMsg
	z.stampMsg = msg
	switch {
	case v.behind || v.conflict:
		z.c.log.Warn("zone version", "zone", z.Name, "verdict", msg, "file", v.file.String(), "newest", v.newest.String())
	case msg != "":
		z.c.log.Info("zone version", "zone", z.Name, "verdict", msg)
	case prev != "":
		z.c.log.Info("zone version: every provider serves the controller's zone file", "zone", z.Name, "stamp", v.file.String())
	}
}

// answered reports whether some address of provider answered authoritatively in r.
func answered(r probe.Round, provider string) bool {
	return slices.ContainsFunc(r.Results, func(res probe.Result) bool { return res.Provider == provider && res.Healthy() })
}

func anyTrue(m map[string]bool) bool {
	for _, v := range m {
		if v {
			return true
		}
	}
	return false
}
