package exec

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/twinzone/twinzone/pkg/config"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Settings are an exec registrar's keys in twinzone.yaml.
type Settings struct {
	Command []string // argv, no shell
	// Env names the variables of twinzone's environment the command gets, beyond PATH, HOME
	// and TWINZONE_* (it gets no others: the controller's credentials stay with it).
	Env []string
}

// CompanyHint is the command, in which `check` looks for a company's name.
func (s *Settings) CompanyHint() string { return strings.Join(s.Command, " ") }

// ConfigType is the exec row of the registrar table (providers/registrar).
func ConfigType() config.RegistrarType {
	return config.RegistrarType{Name: "exec", Decode: decode, SetOnly: true,
		CredentialHint: "check that the command exists, is executable and reads the nameservers when asked"}
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func envName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("%q is not an environment variable name (letters, digits, '_')", s)
	}
	return nil
}

func decode(f *config.Fields) any {
	s := &Settings{}
	f.Strings("command", &s.Command, nil)
	f.Strings("env", &s.Env, envName)
	f.Check(func() {
		if len(s.Command) == 0 || s.Command[0] == "" {
			f.Errorf("exec needs command: a list such as [/usr/local/bin/set-ns, --domain]")
		}
	})
	return s
}

// Open builds the adapter for s; Nameservers goes through opts.Reader.
func Open(_ context.Context, s *Settings, opts registrar.OpenOptions) (registrar.Registrar, error) {
	r, err := New(Config{Command: s.Command, PassEnv: s.Env, Reader: opts.Reader})
	if err != nil {
		return nil, err
	}
	return r, nil
}
