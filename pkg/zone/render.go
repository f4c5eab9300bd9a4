package zone

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/miekg/dns"
)

// Render writes z as a zone file that Parse reads back to an equal zone: a header comment,
// $ORIGIN, then one line per record, "owner TTL IN TYPE value", in canonical order with the
// apex SOA first. Owners are written relative to the origin where possible ("@" for the
// apex); values are written as they are (absolute names). RRsets without values are
// skipped. z is not modified; an unsorted z is rendered in sorted order.
func Render(w io.Writer, z *Zone) error {
	if z.Origin == "" || !dns.IsFqdn(z.Origin) {
		return fmt.Errorf("render zone: origin %q is not an absolute name", z.Origin)
	}
	sets := z.RRsets
	if !slices.IsSortedFunc(sets, compareSets) {
		sets = slices.Clone(sets)
		slices.SortFunc(sets, compareSets)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("; zone ")
	bw.WriteString(z.Origin)
	bw.WriteString(" written by twinzone\n$ORIGIN ")
	bw.WriteString(z.Origin)
	bw.WriteByte('\n')

	var buf []byte
	line := func(s *RRset, v string) {
		buf = appendOwner(buf[:0], s.Name, z.Origin)
		buf = append(buf, '\t')
		buf = strconv.AppendUint(buf, uint64(s.TTL), 10)
		buf = append(buf, "\tIN\t"...)
		buf = append(buf, TypeString(s.Type)...)
		buf = append(buf, '\t')
		buf = append(buf, v...)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	soa := -1
	for i := range sets {
		if sets[i].Type == dns.TypeSOA && sets[i].Name == z.Origin {
			soa = i
			for _, v := range sets[i].Values {
				line(&sets[i], v)
			}
			break
		}
	}
	for i := range sets {
		if i == soa {
			continue
		}
		for _, v := range sets[i].Values {
			line(&sets[i], v)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render zone %s: %w", z.Origin, err)
	}
	return nil
}

// appendOwner appends name relative to origin when it is below it ("@" for origin itself),
// and absolute otherwise.
func appendOwner(buf []byte, name, origin string) []byte {
	switch {
	case name == origin:
		return append(buf, '@')
	case origin != "." && InZone(name, origin):
		return append(buf, name[:len(name)-len(origin)-1]...)
	}
	return append(buf, name...)
}
