package rfc2136

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are an rfc2136 provider's keys in twinzone.yaml: a server accepting dynamic
// updates (BIND, Knot, PowerDNS) and AXFR.
type Settings struct {
	config.TSIG
	Chunk int // most records added or removed per UPDATE message; default none (bounded by size)
}

// ConfigType is the rfc2136 row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "rfc2136",
		Decode:         decode,
		CredentialHint: "check the server address and port, that it is authoritative for the zone, and that it allows AXFR and UPDATE with this TSIG key (key_name, key_alg, key)",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{Chunk: DefaultChunk}
	f.TSIG(&s.TSIG)
	f.Int("chunk", 1, &s.Chunk)
	return s
}

// Open builds the adapter for s; it makes no network call.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Server: s.Server, KeyName: s.KeyName, KeyAlg: s.KeyAlg, Key: s.Key.Reveal(), Chunk: s.Chunk, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
