package zonefile

import (
	"context"
	"log/slog"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/provider"
)

// Settings are a zonefile provider's keys in twinzone.yaml.
type Settings struct {
	Path   string // absolute; the file may not exist yet (the first sync creates it)
	Reload string // shell command run after each write; optional
}

// LocalFile is the file the provider writes (config refuses a zone's source or a shared file).
func (s *Settings) LocalFile() string { return s.Path }

var _ config.LocalFile = (*Settings)(nil)

// ConfigType is the zonefile row of the provider table (providers/dns).
func ConfigType() config.ProviderType {
	return config.ProviderType{
		Name:           "zonefile",
		Decode:         decode,
		CredentialHint: "check that the zone file path is readable and writable by this user",
	}
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Path("path", &s.Path)
	f.String("reload", &s.Reload)
	f.Check(func() {
		if s.Path == "" {
			f.Errorf("zonefile needs path")
		}
	})
	return s
}

// Open builds the adapter for s; it touches no file.
func Open(_ context.Context, s *Settings, log *slog.Logger) (provider.Provider, error) {
	p, err := New(Config{Path: s.Path, Reload: s.Reload, Logger: log})
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return p, nil
}
