// Command twinzone keeps one DNS zone served by two independent providers and moves the
// delegation when the primary stops answering. Each command lives in its own file (failover
// and failback share failover.go; common flags are in flags.go); this one holds the app and
// the exit-code handling. The commands parse flags, call a package and print; libraries
// return errors, and logging is the CLI's, except the long-running controller (`run`), which
// logs what it observes and does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by the commands (README, "Exit codes").
const (
	exitOK        = 0
	exitError     = 1
	exitChanges   = 2 // plan --exit-code: changes pending
	exitUnhealthy = 3 // probe: a provider is unhealthy
)

// exitCode carries a non-zero status with an optional error message.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e exitCode) Unwrap() error { return e.err }

func withCode(code int, err error) error { return exitCode{code: code, err: err} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI and returns the process exit status; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runApp(ctx, newApp(stdout, stderr), args)
}

// runApp runs app on args. A completion request (the completion flag anywhere in args) is
// answered here and goes no further: pressing TAB must never run a command.
func runApp(ctx context.Context, app *cli.App, args []string) int {
	if words, zsh, ok := completionRequest(args); ok {
		complete(app.Writer, app.Commands, words, zsh)
		return exitOK
	}
	stderr := app.ErrWriter
	args = flagsFirst(hoistGlobalFlags(args, app.Commands), app.Commands)
	err := unknownCommand(args, app.Commands)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		return exitOK
	}
	var ec exitCode
	if errors.As(err, &ec) {
		if ec.err != nil {
			fmt.Fprintln(stderr, "twinzone:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "twinzone:", err)
	return exitError
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "twinzone",
		Usage:     "keep one DNS zone on two providers, and fail over the delegation",
		Version:   version,
		Writer:    stdout,
		ErrWriter: &stderrGate{w: stderr}, // logs and the progress bar share it
		// Completion is answered by runApp, never by urfave/cli (see completion.go).
		EnableBashCompletion: false,
		// Errors are printed once, by run, with their exit code; usage errors as one line.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
		Commands:       withUsageErrors(commands()),
	}
}

// withUsageErrors makes every command report a usage error as one line (usageError).
func withUsageErrors(cmds []*cli.Command) []*cli.Command {
	for _, c := range cmds {
		c.OnUsageError = usageError
	}
	return cmds
}

// commands lists every subcommand; each is defined in its own file.
func commands() []*cli.Command {
	return []*cli.Command{
		validateCommand(),
		planCommand(),
		syncCommand(),
		importCommand(),
		probeCommand(),
		statusCommand(),
		failoverCommand(),
		failbackCommand(),
		runCommand(),
		demoCommand(),
		checkCommand(),
		conformanceCommand(),
		completionCommand(),
		versionCommand(),
		docsCommand(),
	}
}
