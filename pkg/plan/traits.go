package plan

// Traits is how one provider stores records. The zero value means "holds everything as given".
type Traits struct {
	// Types lists the record types the provider can hold; nil means every type.
	Types map[uint16]bool
	// MinTTL and MaxTTL clamp TTLs the way the provider does (0 = no limit).
	MinTTL, MaxTTL uint32
	// AutoTTL is a TTL value the provider reports for "automatic" (Cloudflare: 1); a desired
	// TTL equal to AutoTTL matches whatever it reports for such records.
	AutoTTL uint32
	// ApexNSManaged is true when the provider lets twinzone write apex NS records at all.
	ApexNSManaged bool
}
