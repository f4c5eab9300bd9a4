package config

// Parse exposes parse to the external tests (the fuzz target decodes bytes, not files).
var Parse = parse

// DefaultZone exposes the zone defaults to the external tests.
var DefaultZone = defaultZone
