package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// hoistGlobalFlags lets common flags come before the command (`twinzone --config x plan`):
// they are moved after the command name, where every command accepts them. Anything else
// before the command is left for urfave/cli to refuse.
func hoistGlobalFlags(args []string, cmds []*cli.Command) []string {
	if len(args) < 2 || !strings.HasPrefix(args[1], "-") {
		return args
	}
	common := commonFlags()
	var hoisted []string
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		f := findFlag(common, name)
		if f == nil && i > 1 && slices.Contains([]string{"help", "h", "version", "v"}, name) {
			return []string{args[0], args[i]} // `twinzone --config x --help`: the help
		}
		if f == nil {
			return args // --help, --version, or a mistake: urfave/cli answers
		}
		hoisted = append(hoisted, args[i])
		if df, ok := f.(cli.DocGenerationFlag); ok && df.TakesValue() && !hasValue && i+1 < len(args) {
			i++
			hoisted = append(hoisted, args[i])
		}
		i++
	}
	if i >= len(args) || commandNamed(cmds, args[i]) == nil {
		return args
	}
	out := append([]string{args[0], args[i]}, hoisted...)
	return append(out, args[i+1:]...)
}

// flagsFirst lets flags follow a command's arguments (`twinzone import cf --zone x`): urfave/cli
// stops reading flags at the first argument, so the arguments are moved after the flags.
// Everything after `--` stays an argument.
func flagsFirst(args []string, cmds []*cli.Command) []string {
	if len(args) < 3 {
		return args
	}
	cmd := commandNamed(cmds, args[1])
	if cmd == nil {
		return args
	}
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if df, ok := findFlag(cmd.Flags, name).(cli.DocGenerationFlag); ok && df.TakesValue() && !hasValue && i+1 < len(rest) {
			i++
			flags = append(flags, rest[i])
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	return append(out, positional...)
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func commandNamed(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// unknownCommand is the error for a first word that names no command, with the nearest one.
func unknownCommand(args []string, cmds []*cli.Command) error {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return nil
	}
	name := args[1]
	if name == "help" || name == "h" || commandNamed(cmds, name) != nil {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := nearestCommand(cmds, name); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return withCode(exitError, errors.New(msg+"; `twinzone help` lists the commands"))
}

func nearestCommand(cmds []*cli.Command, name string) string {
	var visible []*cli.Command
	for _, c := range cmds {
		if !c.Hidden {
			visible = append(visible, c)
		}
	}
	if cli.SuggestCommand == nil {
		return ""
	}
	// urfave/cli returns its sentence (Did you mean "x"?): keep the name only.
	if m := quoted.FindStringSubmatch(cli.SuggestCommand(visible, name)); m != nil {
		return m[1]
	}
	return ""
}

var quoted = regexp.MustCompile(`"([^"]+)"`)

var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	invalidValue  = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): (.*)$`)
	needsValue    = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
)

// usageError turns urfave/cli's usage errors into one line that says what is wrong and what
// to do, instead of the error plus the whole help (and the error again).
func usageError(c *cli.Context, err error, _ bool) error {
	cmd := "twinzone"
	var flags []cli.Flag
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
		cmd += " " + c.Command.Name
		flags = c.Command.Flags
	} else {
		flags = c.App.Flags
	}
	help := fmt.Sprintf("`%s --help` lists its flags", cmd)
	text := err.Error()
	prefix := strings.TrimPrefix(cmd, "twinzone") // run prints "twinzone: " already
	if prefix != "" {
		prefix = prefix[1:] + ": "
	}
	switch {
	case undefinedFlag.MatchString(text):
		name := undefinedFlag.FindStringSubmatch(text)[1]
		msg := fmt.Sprintf("%sunknown flag --%s", prefix, name)
		if cli.SuggestFlag != nil {
			if s := cli.SuggestFlag(flags, name, false); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
		}
		return withCode(exitError, errors.New(msg+"; "+help))
	case invalidValue.MatchString(text):
		m := invalidValue.FindStringSubmatch(text)
		want := "a valid value"
		switch findFlag(flags, m[2]).(type) {
		case *cli.DurationFlag:
			want = "a duration with a unit, such as 30s, 5m or 1h30m"
		case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag:
			want = "a whole number"
		case *cli.BoolFlag:
			want = "true or false (or leave the value out)"
		}
		return withCode(exitError, fmt.Errorf("%s--%s %q: want %s", prefix, m[2], m[1], want))
	case needsValue.MatchString(text):
		return withCode(exitError, fmt.Errorf("%s--%s needs a value; %s", prefix, needsValue.FindStringSubmatch(text)[1], help))
	}
	return withCode(exitError, fmt.Errorf("%s%w; %s", prefix, err, help))
}

// configNotFound explains a missing config file: where twinzone looked and how to name one.
func configNotFound(c *cli.Context, err error) error {
	if _, serr := os.Stat(c.String("config")); !errors.Is(serr, fs.ErrNotExist) {
		return err
	}
	if c.IsSet("config") {
		return fmt.Errorf("%w\n  the config named by --config or TWINZONE_CONFIG does not exist", err)
	}
	return fmt.Errorf("%w\n  no twinzone.yaml in the current directory: name the config with --config FILE (or TWINZONE_CONFIG=FILE), or start from the README's Quick start", err)
}

// versionString is the version, the module version when installed with `go install`, and
// the Go release it was built with.
func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("twinzone %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version and the Go release it was built with",
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, versionString())
			return nil
		},
	}
}
