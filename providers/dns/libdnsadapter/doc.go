// Package libdnsadapter makes any libdns provider (github.com/libdns/libdns v1: a
// libdns.RecordGetter, libdns.RecordSetter and libdns.RecordDeleter) a twinzone
// provider.Provider.
//
// Construct it with New(p, Options{...}) where p is, for example, a *rfc2136.Provider or any
// other libdns provider value; New checks that p implements the three interfaces.
//
// # Records
//
// Records calls GetRecords once, turns every libdns.Record into presentation text through its
// RR() (Name relative to the zone, TTL, Type, Data), parses it with miekg/dns (names in the
// data that are relative are taken relative to the zone, as in a zone file), canonicalises
// it with zone.FromRR, groups the values into RRsets and sorts them (zone.Sort). Records of
// other zones, duplicate values (libdns/rfc2136 returns the SOA twice) and records whose data
// does not parse are dropped with a warning on the logger; an RRset whose values disagree on
// the TTL takes the lowest.
//
// TXT data in libdns is one unescaped string (libdns.TXT.Text). It is read as that one
// string, split into 255-byte character-strings. Written, the character-strings of a value
// are joined; a value whose strings cannot be joined without changing its meaning (a string
// other than the last shorter than 255 bytes, as in `"two" "strings"`) cannot be expressed
// through libdns, and Apply refuses it before any call.
//
// # Apply
//
// Apply first deletes, then sets, then removes names that left an apex NS RRset (see below). Delete changes go to DeleteRecords with the exact old
// records (the very libdns.Record values the provider returned in the last Records call, so
// that provider data such as record IDs travels with them; otherwise the records built from
// the old RRset). Create and Update changes go to SetRecords with every record of the new
// RRset: libdns v1 requires SetRecords to make the input records the only members of their
// RRset, which is exactly twinzone's "replace one whole RRset". Each batch of changes is one
// call; Options.MaxRecordsPerCall splits large batches, never inside an RRset.
//
// Known types are handed over as libdns's typed structs (libdns.Address, libdns.TXT, ...) when
// libdns parses and re-prints them unchanged, otherwise as a plain libdns.RR{Type, Data}, which
// is also how types libdns does not know pass through.
//
// Atomicity is whatever the wrapped provider gives: libdns asks SetRecords to be atomic where
// the backend allows, and few are. An RRset can be half-written if the wrapped provider fails
// mid-call (libdns/rfc2136 sends one UPDATE message per call, which the server applies whole;
// libdns/cloudflare and libdns/route53 make one request per record or per RRset). The
// provider.Provider contract's per-RRset atomicity therefore holds only as far as the wrapped
// provider honours its own contract; twinzone's first-class adapters (providers/dns/cloudflare,
// providers/dns/route53, providers/dns/rfc2136) exist because some do not.
//
// A panic inside the wrapped provider is recovered and returned as an error. Contexts are
// checked before every call, for providers that ignore them. Errors that are network
// timeouts are marked provider.ErrTransient. Error texts come from the wrapped provider:
// twinzone cannot vouch that a third-party provider keeps credentials out of them.
//
// # Known defects of libdns/rfc2136 v1.0.1 (see the Knot test)
//
// The conformance suite (pkg/provider/providertest) passes through this adapter against
// libdns/rfc2136 v1.0.1 and Knot, except where libdns/rfc2136's own conversion is wrong; the
// test restricts the data for that provider and says why:
//
//   - It writes TXT split every 255 runes (not bytes) and quoted with Go's %q
//     (conversion.go recordToRR), whose escapes (\xff, \x00) are not zone-file escapes, and
//     invalid UTF-8 becomes U+FFFD: a TXT value with bytes outside printable ASCII is stored
//     wrong, and one with more than 255 bytes of multi-byte characters makes a
//     character-string over 255 bytes, which miekg/dns refuses.
//   - It reads TXT as miekg/dns's escaped strings joined (conversion.go recordFromRR), not as
//     the unescaped text libdns specifies: '"', '\' and non-ASCII bytes come back escaped
//     twice. TXT values with such bytes are left out of the suite for that provider, and
//     TestRFC2136TXTDefects asserts that they still fail the known way.
//   - Multi-string TXT values (`"two" "strings"`) are not a defect of libdns/rfc2136 but of the
//     libdns v1 data model (one Text per TXT record): the adapter refuses them for every provider.
//   - Its SetRecords replaces an RRset by "delete RRset, add", and servers ignore deleting the
//     apex NS RRset (RFC 2136 3.4.2.4), so shrinking apex NS through it would leave the old
//     names. The adapter handles this for every provider: an apex NS update is followed by a
//     DeleteRecords of the names that left (after the new ones are in, so the zone never lacks
//     NS); for a provider that keeps the contract, that call finds nothing to delete.
//   - A single UPDATE message over 64 KiB fails with "dns: message too large"; set
//     Options.MaxRecordsPerCall (500 works) for it.
package libdnsadapter
