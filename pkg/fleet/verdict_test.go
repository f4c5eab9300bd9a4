package fleet

import (
	"testing"
	"time"
)

func obs(member string, at time.Time, cut bool, verdicts map[string]string) Observation {
	return Observation{Member: member, At: at, Zones: map[string]ZoneView{"example.test.": {Verdicts: verdicts, CutOff: cut}}}
}

func TestAggregate(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	ttl := 15 * time.Second
	down := map[string]string{"pri": Down, "sec": Up}
	up := map[string]string{"pri": Up, "sec": Up}
	unk := map[string]string{"pri": Unknown, "sec": Up}
	cases := []struct {
		name   string
		obs    []Observation
		quorum int
		want   string // pri's status
		live   int
		cut    int
	}{
		{"all three see it down", []Observation{obs("a", now, false, down), obs("b", now, false, down), obs("c", now, false, down)}, 2, Down, 3, 0},
		{"two of three, quorum 2", []Observation{obs("a", now, false, down), obs("b", now, false, down), obs("c", now, false, up)}, 2, Down, 3, 0},
		{"one member cut off from the primary only", []Observation{obs("a", now, false, down), obs("b", now, false, up), obs("c", now, false, up)}, 2, Up, 3, 0},
		{"a cut-off member's vote does not count", []Observation{obs("a", now, true, down), obs("b", now, false, down), obs("c", now, false, up)}, 2, Up, 3, 1},
		{"a dead member's stale view does not count", []Observation{obs("a", now.Add(-16*time.Second), false, down), obs("b", now, false, down), obs("c", now, false, unk)}, 2, Unknown, 2, 0},
		{"one voter left cannot reach quorum 2", []Observation{obs("a", now, false, down)}, 2, Unknown, 1, 0},
		{"quorum 1 on one member", []Observation{obs("a", now, false, down)}, 1, Down, 1, 0},
		{"quorum 0 counts as 1", []Observation{obs("a", now, false, down)}, 0, Down, 1, 0},
		{"everyone still deciding", []Observation{obs("a", now, false, unk), obs("b", now, false, unk)}, 2, Unknown, 2, 0},
		{"a clock far in the future is not live", []Observation{obs("a", now.Add(time.Minute), false, down), obs("b", now, false, down)}, 2, Unknown, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Aggregate(c.obs, "Example.Test", c.quorum, ttl, now)
			if got := v.Providers["pri"].Status; got != c.want {
				t.Errorf("pri: %s (%s), want %s", got, v.Providers["pri"].Reason, c.want)
			}
			if v.Live != c.live || v.CutOff != c.cut {
				t.Errorf("live %d cut off %d, want %d %d", v.Live, v.CutOff, c.live, c.cut)
			}
			if v.Providers["sec"].Status != Up && v.Live > v.CutOff {
				t.Errorf("sec: %+v, want up", v.Providers["sec"])
			}
		})
	}
	if v := Aggregate(nil, "example.test.", 2, ttl, now); v.Quorate() || len(v.Providers) != 0 {
		t.Errorf("no observations: %+v", v)
	}
	v := Aggregate([]Observation{obs("a", now, false, up), obs("b", now, true, up)}, "example.test.", 2, ttl, now)
	if v.Quorate() {
		t.Error("one voter plus one cut-off member is not a quorum of 2")
	}
	if v := Aggregate([]Observation{obs("a", now, false, down), obs("b", now, false, down)}, "other.test.", 1, ttl, now); v.Live != 0 || len(v.Providers) != 0 {
		t.Errorf("another zone's observations counted: %+v", v)
	}
}

func TestGeneration(t *testing.T) {
	now := time.Now()
	g := func(v uint32) *uint32 { return &v }
	mk := func(at time.Time, gen *uint32) Observation {
		return Observation{At: at, Zones: map[string]ZoneView{"example.test.": {Generation: gen}}}
	}
	if got := Generation([]Observation{mk(now, g(5)), mk(now, g(7)), mk(now, nil)}, "example.test.", time.Minute, now); got == nil || *got != 7 {
		t.Errorf("newest of 5, 7: %v", got)
	}
	// Serial arithmetic: 2 is newer than 4294967290 (the serial wrapped).
	if got := Generation([]Observation{mk(now, g(4294967290)), mk(now, g(2))}, "example.test.", time.Minute, now); got == nil || *got != 2 {
		t.Errorf("after a wrap: %v", got)
	}
	if got := Generation([]Observation{mk(now.Add(-time.Hour), g(9)), mk(now, g(3))}, "example.test.", time.Minute, now); got == nil || *got != 3 {
		t.Errorf("a stale observation's generation counted: %v", got)
	}
	if got := Generation(nil, "example.test.", time.Minute, now); got != nil {
		t.Errorf("none: %v", *got)
	}
}
