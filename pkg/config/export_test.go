package config

// Parse exposes parse to the external tests (the fuzz target decodes bytes, not files).
var Parse = func(name, abs string, data []byte, types Types, lookup LookupFunc) (*Config, error) {
	return parse(name, abs, data, types, lookup, false)
}

// DefaultZone exposes the zone defaults to the external tests.
var DefaultZone = defaultZone
