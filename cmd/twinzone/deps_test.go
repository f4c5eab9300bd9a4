package main

import (
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// minVersions are floors for modules with published vulnerabilities in code twinzone reaches
// (golang.org/x/net: HTTP/2 and HTTP/1 advisories up to v0.59.0, reached through the
// Prometheus, AWS and etcd clients). Raise them, never lower them.
var minVersions = map[string]string{
	"golang.org/x/net": "v0.62.0",
}

// TestDependencyFloors: the binary is built with at least those versions.
func TestDependencyFloors(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info")
	}
	seen := map[string]bool{}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		floor, ok := minVersions[d.Path]
		if !ok {
			continue
		}
		seen[d.Path] = true
		if semverLess(d.Version, floor) {
			t.Errorf("%s %s is below %s (published vulnerabilities): go get %s@%s", d.Path, d.Version, floor, d.Path, floor)
		}
	}
	for m := range minVersions {
		if !seen[m] {
			t.Errorf("%s is not in the build: drop it from minVersions", m)
		}
	}
}

// semverLess compares vMAJOR.MINOR.PATCH versions (pre-release suffixes count as the release).
func semverLess(a, b string) bool {
	pa, pb := semverParts(a), semverParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func semverParts(v string) [3]int {
	var out [3]int
	v, _, _ = strings.Cut(strings.TrimPrefix(v, "v"), "-")
	for i, p := range strings.SplitN(v, ".", 3) {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}
