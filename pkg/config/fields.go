package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Fields is one provider block as its type's Decode sees it. Decode declares each key with
// the method of its kind (String, Secret, URL, ...), pointing at the field to fill, and
// registers the checks that need every key (Require, Check). Load then reads the block: any
// other key is an error, and every error carries file:line:col and the key path, like the
// rest of the config.
type Fields struct {
	d      *decoder
	node   *yaml.Node // the provider's mapping
	path   string     // "providers.<name>"
	h      map[string]func(string, *yaml.Node)
	checks []func()
}

// String declares an optional string key.
func (f *Fields) String(key string, dst *string) { f.h[key] = f.d.strField(dst) }

// Secret declares a credential key, which must be written as exactly one ${VAR} reference;
// example is the variable name the error message suggests.
func (f *Fields) Secret(key, example string, dst *Secret) {
	f.h[key] = f.d.secretField(dst, key, example)
}

// URL declares an optional http(s) base URL key (stored without a trailing "/").
func (f *Fields) URL(key string, dst *string) { f.h[key] = f.d.urlField(dst) }

// Int declares an integer key of at least min.
func (f *Fields) Int(key string, min int, dst *int) {
	f.h[key] = func(path string, v *yaml.Node) { f.d.integer(v, path, min, dst) }
}

// IntMax declares an integer key between min and max; why explains the maximum ("Cloudflare
// accepts at most 3500 records per batch").
func (f *Fields) IntMax(key string, min, max int, dst *int, why string) {
	f.h[key] = func(path string, v *yaml.Node) {
		f.d.integer(v, path, min, dst)
		if *dst > max {
			f.d.errorf(resolve(v), path, "%d is out of range: %s", *dst, why)
		}
	}
}

// Path declares a file path key; a relative path is made absolute against the config's folder.
func (f *Fields) Path(key string, dst *string) {
	f.h[key] = func(path string, v *yaml.Node) { f.d.path(v, path, dst) }
}

// HostPort declares a "host" or "host:port" key, stored as host:port with defPort filled in.
func (f *Fields) HostPort(key string, defPort int, dst *string) {
	f.h[key] = func(path string, v *yaml.Node) {
		var s string
		if !f.d.str(v, path, &s) || s == "" {
			return
		}
		hp, err := hostPort(s, defPort)
		if err != nil {
			f.d.errorf(resolve(v), path, "%v", err)
			return
		}
		*dst = hp
	}
}

// Strings declares a list-of-strings key; valid (nil: any) checks each item, its error
// reported at the item.
func (f *Fields) Strings(key string, dst *[]string, valid func(string) error) {
	f.h[key] = func(path string, v *yaml.Node) {
		for i, item := range f.d.list(v, path) {
			var s string
			if !f.d.str(item, index(path, i), &s) {
				continue
			}
			if valid != nil {
				if err := valid(s); err != nil {
					f.d.errorf(resolve(item), index(path, i), "%v", err)
					continue
				}
			}
			*dst = append(*dst, s)
		}
	}
}

// Duration declares a Go duration key ("30s", "5m") of at least min.
func (f *Fields) Duration(key string, min time.Duration, dst *time.Duration) {
	f.h[key] = func(path string, v *yaml.Node) { f.d.duration(v, path, min, dst) }
}

// StringValid declares an optional string key whose value valid checks (error at the value).
func (f *Fields) StringValid(key string, dst *string, valid func(string) error) {
	f.h[key] = func(path string, v *yaml.Node) {
		var s string
		if !f.d.str(v, path, &s) || s == "" {
			return
		}
		if err := valid(s); err != nil {
			f.d.errorf(resolve(v), path, "%v", err)
			return
		}
		*dst = s
	}
}

// Domain declares a domain name key, stored absolute and lower-case ("com.").
func (f *Fields) Domain(key string, dst *string) {
	f.h[key] = func(path string, v *yaml.Node) {
		var s string
		if !f.d.str(v, path, &s) || s == "" {
			return
		}
		s = canonicalZoneName(s)
		if !validName(s, false) {
			f.d.errorf(resolve(v), path, "%q is not a domain name", s)
			return
		}
		*dst = s
	}
}

// RequireString reports a missing plain key once the block is read; what says what it holds.
func (f *Fields) RequireString(key, what string, dst *string) {
	f.checks = append(f.checks, func() {
		if *dst == "" && !f.Reported(key) {
			f.d.errorf(f.node, f.path, "missing key %q (%s)", key, what)
		}
	})
}

// TSIG is a DNS server address with an optional TSIG key, as the rfc2136 types write it.
type TSIG struct {
	Server  string // host:port (port defaults to 53)
	KeyName string // TSIG key name, absolute lower-case; empty = no TSIG
	KeyAlg  string // one of TSIGAlgorithms; default hmac-sha256
	Key     Secret // TSIG secret, base64
}

// TSIG declares server, key_name, key_alg and key, and checks that server is set and that
// key_name and key go together.
func (f *Fields) TSIG(t *TSIG) {
	if t.KeyAlg == "" {
		t.KeyAlg = DefaultTSIGAlgorithm
	}
	f.d.tsigFields(f.h, &t.Server, &t.KeyName, &t.KeyAlg, &t.Key)
	f.checks = append(f.checks, func() { f.d.checkTSIG(f.node, f.path, t.Server, t.KeyName, t.Key) })
}

// AWS is an AWS API client's settings. Without static keys the SDK's default credential chain
// (environment, shared config, instance role) is used.
type AWS struct {
	Region          string // default us-east-1
	Profile         string // shared-config profile; exclusive with static keys
	AccessKeyID     Secret
	SecretAccessKey Secret
	Endpoint        string // API base URL override (emulators)
}

// AWS declares region, profile, access_key_id, secret_access_key and endpoint, and checks
// that the keys go together and exclude profile.
func (f *Fields) AWS(a *AWS) {
	if a.Region == "" {
		a.Region = DefaultAWSRegion
	}
	f.d.awsFields(f.h, &a.Region, &a.Profile, &a.AccessKeyID, &a.SecretAccessKey, &a.Endpoint)
	f.checks = append(f.checks, func() { f.d.checkAWS(f.node, f.path, a.Profile, a.AccessKeyID, a.SecretAccessKey) })
}

// Require reports a missing secret once the block is read (an error already reported for the
// key, such as an unset variable, is not repeated).
func (f *Fields) Require(key, example string, s *Secret) {
	f.checks = append(f.checks, func() { f.d.require(f.node, f.path, key, example, s) })
}

// Check registers fn to run once every key is read; it reports with Errorf.
func (f *Fields) Check(fn func()) { f.checks = append(f.checks, fn) }

// Errorf reports a problem with the block as a whole, at the provider's position.
func (f *Fields) Errorf(format string, args ...any) {
	f.d.errorf(f.node, f.path, "%s", fmt.Sprintf(format, args...))
}

// Reported reports whether an error was already given for key (so a check need not repeat it).
func (f *Fields) Reported(key string) bool { return f.d.reportedAt(join(f.path, key)) }
