package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// Shell scripts that ask twinzone itself for completions (urfave/cli answers
// --generate-bash-completion with the commands and flags that fit).
const bashCompletion = `# twinzone bash completion: eval "$(twinzone completion bash)"
_twinzone_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -F _twinzone_complete twinzone
`

const zshCompletion = `#compdef twinzone
# twinzone zsh completion: eval "$(twinzone completion zsh)"
_twinzone() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _twinzone twinzone
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: eval \"$(twinzone completion bash)\" (or zsh)",
		ArgsUsage: "bash|zsh",
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
