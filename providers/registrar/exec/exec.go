// Package exec is the registrar for anything else: SetNameservers runs a configured command
// with the new NS set. It supports setting only: reading the NS set goes through an injected
// reader (usually pkg/delegation, asking the parent's servers), because a script's idea of the
// delegation is less trustworthy than what the parent publishes; without a reader, Nameservers
// returns registrar.ErrUnsupported.
//
// The command runs as Command[0] with arguments Command[1:], then "--", then the absolute
// nameserver names (in the set's order), without a shell. A name starting with "-" is refused
// (it cannot be a host name, and a script could take it for an option). The environment is
// minimal, so that the controller's own credentials (cloud keys, API tokens) never reach the
// script:
//
//	PATH, HOME               copied from twinzone's environment (PATH defaults to
//	                         /usr/local/bin:/usr/bin:/bin)
//	each name in PassEnv     copied from twinzone's environment when set (config: env: [...])
//	Env                      extra KEY=VALUE entries
//	TWINZONE_DOMAIN          the domain, absolute ("example.com.")
//	TWINZONE_NAMESERVERS     the names, space-separated, absolute
//	TWINZONE_NAMESERVER_SET  the set in config syntax, with addresses for glue
//	                         ("ns1.example.com.=192.0.2.1 b.ns.net."), space-separated
//
// Exit status 0 means the change was accepted. Output is captured (bounded); on failure the
// error carries the exit status and the last line of stderr (truncated), so scripts must not
// print secrets there.
package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"time"

	"github.com/twinzone/twinzone/pkg/nameserver"
	"github.com/twinzone/twinzone/pkg/registrar"
)

// Config configures the command.
type Config struct {
	Command []string      // program and leading arguments; required
	PassEnv []string      // names of variables copied from twinzone's environment
	Env     []string      // extra KEY=VALUE entries
	Dir     string        // working directory
	Timeout time.Duration // default 5 min
	// Reader returns the NS set the parent publishes for domain (absolute names).
	Reader func(ctx context.Context, domain string) ([]string, error)
}

// Registrar runs the command.
type Registrar struct{ cfg Config }

var _ registrar.Registrar = (*Registrar)(nil)

// New checks cfg and returns the registrar.
func New(cfg Config) (*Registrar, error) {
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return nil, fmt.Errorf("exec registrar: command is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	return &Registrar{cfg: cfg}, nil
}

// Nameservers returns what the Reader sees, or registrar.ErrUnsupported.
func (r *Registrar) Nameservers(ctx context.Context, domain string) ([]string, error) {
	if r.cfg.Reader == nil {
		return nil, fmt.Errorf("exec registrar: %s: %w (set only; no delegation reader)", domain, registrar.ErrUnsupported)
	}
	names, err := r.cfg.Reader(ctx, domain)
	if err != nil {
		return nil, fmt.Errorf("exec registrar: %s: %w", domain, err)
	}
	return names, nil
}

// limitedBuffer keeps at most max bytes (the tail is what matters for errors).
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.buf.Write(p)
	if over := l.buf.Len() - l.max; over > 0 {
		l.buf.Next(over)
	}
	return len(p), nil
}

// SetNameservers runs the command with set.
func (r *Registrar) SetNameservers(ctx context.Context, domain string, set nameserver.Set) (registrar.Operation, error) {
	if len(set) == 0 {
		return registrar.Operation{}, fmt.Errorf("exec registrar: %s: refusing an empty nameserver set", domain)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	names := set.Names()
	for _, n := range names {
		if strings.HasPrefix(n, "-") {
			return registrar.Operation{}, registrar.MarkPermanent(fmt.Errorf("exec registrar: %s: refusing nameserver %q: a name cannot start with '-'", domain, n))
		}
	}
	specs := make([]string, len(set))
	for i, ns := range set {
		specs[i] = ns.String()
	}
	args := append(append(append([]string{}, r.cfg.Command[1:]...), "--"), names...)
	cmd := osexec.CommandContext(ctx, r.cfg.Command[0], args...)
	cmd.Dir = r.cfg.Dir
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(r.environ(),
		"TWINZONE_DOMAIN="+strings.ToLower(domain),
		"TWINZONE_NAMESERVERS="+strings.Join(names, " "),
		"TWINZONE_NAMESERVER_SET="+strings.Join(specs, " "))
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout = &limitedBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	err := cmd.Run()
	if err == nil {
		return registrar.Operation{}, nil
	}
	if ctx.Err() != nil {
		return registrar.Operation{}, fmt.Errorf("exec registrar: %s: %s: %w", domain, r.cfg.Command[0], ctx.Err())
	}
	msg := lastLine(stderr.buf.String())
	var ee *osexec.ExitError
	if errors.As(err, &ee) {
		return registrar.Operation{}, fmt.Errorf("exec registrar: %s: %s exited with status %d: %s", domain, r.cfg.Command[0], ee.ExitCode(), msg)
	}
	return registrar.Operation{}, fmt.Errorf("exec registrar: %s: %w", domain, err)
}

// environ is the command's environment before the TWINZONE_* variables.
func (r *Registrar) environ() []string {
	path, ok := os.LookupEnv("PATH")
	if !ok {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	env := []string{"PATH=" + path}
	if home, ok := os.LookupEnv("HOME"); ok {
		env = append(env, "HOME="+home)
	}
	for _, name := range r.cfg.PassEnv {
		if v, ok := os.LookupEnv(name); ok && name != "PATH" && name != "HOME" {
			env = append(env, name+"="+v)
		}
	}
	return append(env, r.cfg.Env...)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = l[:200] + "..."
	}
	if l == "" {
		return "(no stderr output)"
	}
	return l
}
