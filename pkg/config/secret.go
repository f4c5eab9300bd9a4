package config

import (
	"fmt"
	"log/slog"
)

const redacted = "[redacted]"

// Secret holds a credential read from the environment. Every way of printing it (fmt verbs,
// JSON, YAML, text, slog) yields "[redacted]"; only Reveal returns the value. The zero Secret
// is unset.
//
// The value sits behind a pointer: even where fmt cannot call Format (a Secret in an unexported
// field of another struct), it prints an address, not the value.
type Secret struct {
	p *secretValue
}

type secretValue struct {
	value string
	ref   string // the environment variable it came from, e.g. "CLOUDFLARE_API_TOKEN"
}

// NewSecret wraps a value (for tests and programmatic configs); ref names its source and may
// be empty.
func NewSecret(value, ref string) Secret { return Secret{p: &secretValue{value: value, ref: ref}} }

// Reveal returns the secret value. Call it only where the credential is handed to a client.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return s.p.value
}

// Ref is the name of the environment variable the secret was read from (safe to print).
func (s Secret) Ref() string {
	if s.p == nil {
		return ""
	}
	return s.p.ref
}

// IsSet reports whether the secret has a non-empty value.
func (s Secret) IsSet() bool { return s.Reveal() != "" }

// String returns "[redacted]" ("" when unset).
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format applies to every fmt verb, so %s, %v, %+v, %#v, %q and %x never show the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(s.String()))
	default:
		_, _ = f.Write([]byte(s.String()))
	}
}

// MarshalJSON renders "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText renders "[redacted]" (encoding/xml, maps keys, most encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML renders "[redacted]".
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// LogValue renders "[redacted]" in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

var (
	_ fmt.Formatter  = Secret{}
	_ fmt.Stringer   = Secret{}
	_ slog.LogValuer = Secret{}
)
