package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Completion is answered by twinzone itself, never by urfave/cli: urfave turns its own
// completion off when the line holds `--` (so `twinzone failover --yes --<TAB>` ran a real
// failover). runApp checks for these flags anywhere in the arguments before the app sees them,
// and then only prints candidates; no command's Action, Before or After can run. The app is
// built with EnableBashCompletion off, so urfave never treats the flags as its own either.
const (
	completeBashFlag = "--generate-bash-completion"
	completeZshFlag  = "--generate-zsh-completion"
)

// The scripts pass every word up to the cursor, the word being completed last (even when it
// is empty), then the flag. Words after the cursor are not passed.
const bashCompletion = `# twinzone bash completion: eval "$(twinzone completion bash)"
# Completion only lists candidates: twinzone answers it without running any command.
_twinzone_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
  local opts
  opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" --generate-bash-completion 2>/dev/null)
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -F _twinzone_complete twinzone
`

const zshCompletion = `#compdef twinzone
# twinzone zsh completion: eval "$(twinzone completion zsh)" after compinit in ~/.zshrc.
# Completion only lists candidates: twinzone answers it without running any command.
_twinzone() {
  local -a opts
  opts=("${(@f)$("${words[1]}" "${(@)words[2,CURRENT]}" --generate-zsh-completion 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then
    _describe 'twinzone' opts
  else
    _files
  fi
}
compdef _twinzone twinzone
`

// completionRequest reports whether args (program name first) ask for completion, and returns
// the words to complete (without the program name and the flags) and whether zsh asked.
func completionRequest(args []string) (words []string, zsh, ok bool) {
	if len(args) == 0 {
		return nil, false, false
	}
	for _, a := range args[1:] {
		switch a {
		case completeBashFlag:
			ok = true
		case completeZshFlag:
			ok, zsh = true, true
		default:
			words = append(words, a)
		}
	}
	return words, zsh, ok
}

// complete prints the candidates for the last word of words (the one under the cursor), one
// a line; for zsh as "name:description". It reads no file and calls nothing: an empty answer
// lets the shell complete file names (flag values, zone files).
func complete(w io.Writer, cmds []*cli.Command, words []string, zsh bool) {
	cur, before := "", words
	if len(words) > 0 {
		cur, before = words[len(words)-1], words[:len(words)-1]
	}
	if slices.Contains(before, "--") {
		return // only arguments follow `--`
	}
	cmd := commandOf(cmds, before)
	var flags []cli.Flag
	if cmd != nil {
		flags = cmd.Flags
	}
	flags = append(flags, cli.HelpFlag)
	if cmd == nil {
		flags = append(flags, cli.VersionFlag)
	}
	if strings.HasPrefix(cur, "-") {
		for _, f := range flags {
			if used(f, before) && !repeatable(f) {
				continue
			}
			for _, name := range f.Names() {
				dashed := "--" + name
				if len(name) == 1 {
					dashed = "-" + name
				}
				if strings.HasPrefix(dashed, cur) {
					candidate(w, dashed, flagUsage(f), zsh)
				}
			}
		}
		return
	}
	if len(before) > 0 && takesValue(flags, before[len(before)-1]) {
		return // a flag's value: file names, or free text
	}
	switch {
	case cmd == nil:
		listCommands(w, cmds, cur, zsh)
	case cmd.Name == "help":
		listCommands(w, cmds, cur, zsh)
	case cmd.Name == "completion":
		for _, sh := range []string{"bash", "zsh"} {
			if strings.HasPrefix(sh, cur) {
				candidate(w, sh, "completion script for "+sh, zsh)
			}
		}
	}
}

// commandOf returns the command named by the first word that is not a flag, or nil.
func commandOf(cmds []*cli.Command, words []string) *cli.Command {
	for _, w := range words {
		if strings.HasPrefix(w, "-") {
			continue
		}
		if w == "help" || w == "h" {
			return &cli.Command{Name: "help"}
		}
		for _, c := range cmds {
			if c.HasName(w) {
				return c
			}
		}
		return nil
	}
	return nil
}

func listCommands(w io.Writer, cmds []*cli.Command, prefix string, zsh bool) {
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		for _, name := range c.Names() {
			if strings.HasPrefix(name, prefix) {
				candidate(w, name, c.Usage, zsh)
			}
		}
	}
	if strings.HasPrefix("help", prefix) {
		candidate(w, "help", "show the commands, or one command's help", zsh)
	}
}

func candidate(w io.Writer, name, usage string, zsh bool) {
	if !zsh {
		fmt.Fprintln(w, name)
		return
	}
	usage, _, _ = strings.Cut(usage, "\n")
	fmt.Fprintf(w, "%s:%s\n", strings.ReplaceAll(name, ":", `\:`), usage)
}

// used reports whether one of f's names already appears in words (--name, --name=v, -n).
func used(f cli.Flag, words []string) bool {
	for _, name := range f.Names() {
		for _, w := range words {
			w, _, _ = strings.Cut(w, "=")
			if w == "-"+name || w == "--"+name {
				return true
			}
		}
	}
	return false
}

func repeatable(f cli.Flag) bool {
	_, ok := f.(*cli.StringSliceFlag)
	return ok
}

// takesValue reports whether word is a flag, without "=value", that consumes the next word.
func takesValue(flags []cli.Flag, word string) bool {
	if !strings.HasPrefix(word, "-") || strings.Contains(word, "=") {
		return false
	}
	name := strings.TrimLeft(word, "-")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			df, ok := f.(cli.DocGenerationFlag)
			return ok && df.TakesValue()
		}
	}
	return false
}

func flagUsage(f cli.Flag) string {
	if df, ok := f.(cli.DocGenerationFlag); ok {
		return df.GetUsage()
	}
	return ""
}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: eval \"$(twinzone completion bash)\" (or zsh)",
		ArgsUsage: "bash|zsh",
		Description: "Completion only lists commands and flags: twinzone answers it itself and never runs a " +
			"command while you press TAB, whatever the line holds (--yes, --, anything).",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				fmt.Fprint(c.App.Writer, bashCompletion)
			case "zsh":
				fmt.Fprint(c.App.Writer, zshCompletion)
			default:
				return withCode(exitError, fmt.Errorf("completion: name a shell: bash or zsh (e.g. eval \"$(twinzone completion bash)\" in ~/.bashrc)"))
			}
			return nil
		},
	}
}
