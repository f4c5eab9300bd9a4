package zone

import (
	"io"

	"github.com/miekg/dns"
)

func dnsZoneParser(r io.Reader) *dns.ZoneParser { return dns.NewZoneParser(r, "example.com.", "") }
