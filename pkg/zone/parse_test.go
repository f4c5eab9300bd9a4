package zone

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func parseString(t *testing.T, origin, text string) (*Zone, error) {
	t.Helper()
	return Parse(strings.NewReader(text), origin, "test.zone")
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.zone"), "example.com.")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestParseFileBasic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "example.com.zone")
	text := "$TTL 300\n@ SOA ns1 host 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	z, err := ParseFile(path, "Example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if z.Origin != "example.com." || len(z.RRsets) != 3 {
		t.Fatalf("zone = %+v", z)
	}
	k := Key{"ns1.example.com.", dns.TypeA}
	if got := z.Line(k); got.Line != 4 || got.File != path {
		t.Fatalf("line of %s = %v", k, got)
	}
}
