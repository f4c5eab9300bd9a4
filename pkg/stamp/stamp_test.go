package stamp

import (
	"strings"
	"testing"
)

var (
	hA = strings.Repeat("a", 64)
	hB = strings.Repeat("b", 64)
)

func TestParse(t *testing.T) {
	good := map[string]Stamp{
		"v=tz1 h=" + hA:                        {Hash: hA},
		"v=tz1 h=" + strings.ToUpper(hA):       {Hash: hA},
		"v=tz2 g=2026120201 h=" + hA:           New(hA, 2026120201),
		"h=" + hB + " v=tz2 g=0":               New(hB, 0),
		"  v=tz2   g=4294967295 h=" + hA + " ": New(hA, 4294967295),
	}
	for in, want := range good {
		got, ok := Parse(in)
		if !ok || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
		if back, _ := Parse(got.String()); back != got {
			t.Errorf("String round trip of %q: %q", in, got.String())
		}
	}
	for _, in := range []string{"", "v=tz1", "v=tz3 h=" + hA, "v=tz1 h=" + hA[:63], "v=tz1 h=" + hA[:63] + "g",
		"v=tz2 h=" + hA, "v=tz2 g=-1 h=" + hA, "v=tz2 g=+1 h=" + hA, "v=tz2 g=4294967296 h=" + hA,
		"v=tz1 g=1 h=" + hA, "v=tz1 h=" + hA + " h=" + hB, "v=tz1 x=1 h=" + hA, "v=tz1 h=" + hA + " junk"} {
		if s, ok := Parse(in); ok {
			t.Errorf("Parse(%q) = %+v, want not a stamp", in, s)
		}
	}
}

func TestSerialCompare(t *testing.T) {
	cases := []struct {
		a, b uint32
		want int
	}{
		{1, 1, 0}, {1, 2, -1}, {2, 1, 1},
		{4294967295, 0, -1}, {0, 4294967295, 1}, // wrap-around: 0 follows 2^32-1
		{0, 1<<31 - 1, -1}, {0, 1 << 31, 2}, {1 << 31, 0, 2},
		{2026120201, 2026120202, -1},
	}
	for _, c := range cases {
		if got := SerialCompare(c.a, c.b); got != c.want {
			t.Errorf("SerialCompare(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestCompareAndNewest(t *testing.T) {
	old, cur := New(hA, 10), New(hB, 11)
	legacy := Stamp{Hash: hA}
	cases := []struct {
		a, b Stamp
		want Order
	}{
		{old, cur, Older}, {cur, old, Newer}, {old, old, Same},
		{legacy, old, Same}, // upgrade: the tz1 stamp of the same content is in sync
		{legacy, cur, Older}, {cur, legacy, Newer},
		{New(hA, 10), New(hB, 10), Conflict},
		{Stamp{}, old, Unordered}, {legacy, Stamp{Hash: hB}, Unordered},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%s, %s) = %s, want %s", c.a.Short(), c.b.Short(), got, c.want)
		}
	}
	if n, ok := Newest(old, Stamp{}, cur, legacy); !ok || n != cur {
		t.Errorf("Newest = %s, %v; want %s", n.Short(), ok, cur.Short())
	}
	if n, ok := Newest(legacy, old); !ok || n != old {
		t.Errorf("Newest of the same content prefers the stamp with a generation: %s", n.Short())
	}
	if _, ok := Newest(New(hA, 10), New(hB, 10)); ok {
		t.Error("Newest of a conflict: want not ok")
	}
	if _, ok := Newest(); ok {
		t.Error("Newest of nothing: want not ok")
	}
}
